"""DynamoDB stream → EventBridge: the outbox publisher (its entrypoint is
:mod:`orders_lambda.entrypoints.publisher`).

The orders table's stream carries every item write. This function takes the outbox items
(``INSERT`` records whose sort key starts with ``EVENT#``), rebuilds their OrderEvents with
the DynamoDB adapter's own mapping, and puts them on the bus in as few PutEvents calls as the
EventBridge adapter can manage (it retries the entries EventBridge rejects). Order items,
``MODIFY`` records and ``REMOVE`` records (deletions, and the outbox's TTL expiry) are
skipped: they announce nothing.

The answer is a stream partial-batch response. Every record whose event still failed, or
whose outbox item cannot be read, is listed by its ``SequenceNumber``. Lambda restarts the
shard from the lowest one listed, so the records after it come again too and their events
may be published twice: delivery is at least once, and consumers deduplicate on the event
id, which is deterministic (the order id and version). Past the mapping's retry bound the
batch goes to its on-failure destination.

Why not Powertools' BatchProcessor here: it runs one handler per record, which would make one
PutEvents call per event; the whole batch is published at once instead, and the response is
the same ``batchItemFailures`` shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from orders_adapters.dynamodb import event_from_item, is_event_item
from orders_core import EventPublisher, OrderEvent, OrdersError
from orders_lambda import metric_names, observability
from orders_manifest.events import STREAM_INSERT

# The deployment filters the stream with ``orders_manifest.events.STREAM_FILTER_PATTERN``, so only
# outbox inserts invoke the function; the checks below stay, for unfiltered sources and local
# runs.
INSERT: Final = STREAM_INSERT
UNREADABLE: Final = "UNREADABLE_OUTBOX_ITEM"


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """One stream record that holds an outbox item; ``event`` is None when unreadable."""

    sequence_number: str
    event: OrderEvent | None
    problem: str = ""


def outbox_record(record: Mapping[str, Any]) -> OutboxRecord | None:
    """The outbox item in a stream record, or None for any record that is not one."""
    if record.get("eventName") != INSERT:
        return None
    change = record.get("dynamodb") or {}
    image = change.get("NewImage")
    if not isinstance(image, Mapping) or not is_event_item(image):
        return None
    sequence_number = str(change.get("SequenceNumber", ""))
    try:
        return OutboxRecord(sequence_number, event_from_item(image))
    except (KeyError, TypeError, ValueError, OrdersError) as exc:
        return OutboxRecord(sequence_number, None, f"{type(exc).__name__}: {exc}")


def publish_records(event: Mapping[str, Any], publisher: EventPublisher) -> dict[str, Any]:
    """Publish the outbox events of one stream batch; the partial-batch response."""
    records = [found for r in event.get("Records") or () if (found := outbox_record(r))]
    readable = [r for r in records if r.event is not None]
    events = [r.event for r in readable if r.event is not None]
    result = publisher.publish(events) if events else None
    failed_codes = {f.event.event_id: f.error_code for f in result.failed} if result else {}

    log = observability.logger()
    failures: list[dict[str, str]] = []
    for record in records:
        if record.event is None:
            log.error(
                "outbox item unreadable",
                extra={"sequence_number": record.sequence_number, "reason": record.problem},
            )
        elif record.event.event_id in failed_codes:
            log.warning(
                "event not published",
                extra={
                    "sequence_number": record.sequence_number,
                    "event_id": record.event.event_id,
                    "order_id": record.event.order_id,
                    "error_code": failed_codes[record.event.event_id],
                },
            )
        else:
            continue
        failures.append({"itemIdentifier": record.sequence_number})
    published = len(events) - len(failed_codes)
    log.info(
        "outbox batch done",
        extra={"records": len(records), "published": published, "failed": len(failures)},
    )
    if failures:
        # No log_metrics decorator wraps the publisher: write the metric out now, or it would
        # wait in the buffer of a process that may never flush it.
        observability.count(metric_names.EVENTS_NOT_PUBLISHED, len(failures))
        observability.metrics().flush_metrics()
    return {"batchItemFailures": failures}
