"""Order events onto an EventBridge bus, reporting exactly which ones did not make it.

Each event becomes one PutEvents entry: ``Source`` is the publisher's source, ``DetailType``
the event type (``OrderPlaced``...), ``Detail`` the JSON of ``OrderEvent.to_record()``, ``Time``
when it happened. Entries go out in calls of at most ``MAX_ENTRIES_PER_CALL`` entries and
``MAX_REQUEST_BYTES`` of entry size (EventBridge's own way of measuring it).

Failures, and what is retried:

- Entries EventBridge rejects one by one (a per-entry ``ErrorCode``) are sent again, only
  those, up to ``max_attempts`` sends in all with a doubling pause in between, unless the code
  says a resend cannot help (``PERMANENT_ENTRY_ERRORS``).
- A whole call that fails (throttled, 5xx, timeout, no connection, access denied) has already
  been retried by botocore under the client's retry configuration; its entries are reported
  failed with the error's code, and the other calls go ahead. Nothing is raised: the caller (the
  stream publisher) turns the failures into batch item failures so that the stream redelivers
  those records, and only those.
- An entry bigger than a whole request can never be sent: ``EntryTooLarge``, never sent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from botocore.exceptions import BotoCoreError, ClientError

from orders_adapters.aws_clients import session_and_config
from orders_core import FailedEvent, OrderEvent, PublishResult

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

MAX_ENTRIES_PER_CALL: Final = 10
MAX_REQUEST_BYTES: Final = 256 * 1024
# EventBridge counts a Time field as 14 bytes, whatever its value.
TIME_BYTES: Final = 14
# Per-entry codes where sending the same entry again cannot succeed.
PERMANENT_ENTRY_ERRORS: Final = frozenset(
    {
        "InvalidArgument",
        "MalformedDetail",
        "ValidationException",
        "AccessDeniedException",
        "NotAuthorizedForSourceException",
        "NotAuthorizedForDetailTypeException",
    }
)
ENTRY_TOO_LARGE: Final = "EntryTooLarge"


@dataclass(frozen=True, slots=True)
class _Entry:
    index: int
    event: OrderEvent
    entry: PutEventsRequestEntryTypeDef
    size: int


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One entry's result: no code means published."""

    code: str | None = None
    message: str = ""
    retryable: bool = False


_PUBLISHED: Final = _Outcome()


class EventBridgePublisher:
    """Puts order events on one bus. The client is injected (and its retry configuration is
    the caller's); ``sleep`` is injectable so tests need not wait."""

    def __init__(
        self,
        client: EventBridgeClient,
        bus_name: str,
        *,
        source: str = "orders",
        max_attempts: int = 3,
        backoff: float = 0.1,
        sleep: Callable[[float], None] = time.sleep,
        max_request_bytes: int = MAX_REQUEST_BYTES,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts is at least 1")
        self._client = client
        self._bus_name = bus_name
        self._source = source
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._sleep = sleep
        self._max_request_bytes = max_request_bytes

    def publish(self, events: Sequence[OrderEvent]) -> PublishResult:
        """Publish ``events``; every event ends up in exactly one of the result's tuples."""
        published: list[tuple[int, OrderEvent]] = []
        failed: list[tuple[int, FailedEvent]] = []
        pending: list[_Entry] = []
        for index, event in enumerate(events):
            entry = self._entry(index, event)
            if entry.size > self._max_request_bytes:
                message = f"{entry.size} B, a request takes {self._max_request_bytes} B"
                failed.append((index, FailedEvent(event, ENTRY_TOO_LARGE, message)))
            else:
                pending.append(entry)

        for attempt in range(1, self._max_attempts + 1):
            again: list[_Entry] = []
            for batch in self._batches(pending):
                for entry, outcome in zip(batch, self._put(batch), strict=True):
                    if outcome.code is None:
                        published.append((entry.index, entry.event))
                    elif outcome.retryable and attempt < self._max_attempts:
                        again.append(entry)
                    else:
                        failure = FailedEvent(entry.event, outcome.code, outcome.message)
                        failed.append((entry.index, failure))
            if not again:
                break
            self._sleep(self._backoff * 2 ** (attempt - 1))
            pending = again

        return PublishResult(
            published=tuple(event for _, event in sorted(published, key=_first)),
            failed=tuple(failure for _, failure in sorted(failed, key=_first)),
        )

    def _entry(self, index: int, event: OrderEvent) -> _Entry:
        detail = json.dumps(event.to_record(), separators=(",", ":"), sort_keys=True)
        detail_type = event.type.value
        entry: PutEventsRequestEntryTypeDef = {
            "Time": event.occurred_at,
            "Source": self._source,
            "DetailType": detail_type,
            "Detail": detail,
            "EventBusName": self._bus_name,
        }
        size = TIME_BYTES + sum(len(text.encode()) for text in (self._source, detail_type, detail))
        return _Entry(index, event, entry, size)

    def _batches(self, entries: list[_Entry]) -> Iterator[list[_Entry]]:
        batch: list[_Entry] = []
        size = 0
        for entry in entries:
            if batch and (
                len(batch) == MAX_ENTRIES_PER_CALL or size + entry.size > self._max_request_bytes
            ):
                yield batch
                batch, size = [], 0
            batch.append(entry)
            size += entry.size
        if batch:
            yield batch

    def _put(self, batch: list[_Entry]) -> list[_Outcome]:
        try:
            response = self._client.put_events(Entries=[entry.entry for entry in batch])
        except ClientError as exc:
            error = exc.response.get("Error", {})
            failure = _Outcome(error.get("Code", "ClientError"), error.get("Message", str(exc)))
            return [failure] * len(batch)
        except BotoCoreError as exc:
            return [_Outcome(type(exc).__name__, str(exc))] * len(batch)
        results = response.get("Entries", [])
        outcomes: list[_Outcome] = []
        for position in range(len(batch)):
            # EventBridge answers entry by entry, in request order.
            result = results[position] if position < len(results) else {}
            code = result.get("ErrorCode")
            if code:
                retryable = code not in PERMANENT_ENTRY_ERRORS
                outcomes.append(_Outcome(code, result.get("ErrorMessage", ""), retryable))
            elif "EventId" in result:
                outcomes.append(_PUBLISHED)
            else:
                outcomes.append(_Outcome("NoResult", "EventBridge gave no result for the entry"))
        return outcomes


def _first(pair: tuple[int, object]) -> int:
    return pair[0]


def make_events_client(
    endpoint_url: str | None = None, *, max_attempts: int = 4, read_timeout: float = 5.0
) -> EventBridgeClient:
    """An EventBridge client with explicit retries and timeouts; make one per process and share
    it. ``endpoint_url`` points it at a moto server."""
    session, config = session_and_config(
        max_attempts=max_attempts, connect_timeout=2.0, read_timeout=read_timeout
    )
    return session.client("events", endpoint_url=endpoint_url, config=config)
