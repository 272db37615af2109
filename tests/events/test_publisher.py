"""The outbox publisher on stream records built from the adapter's own items: what it picks,
what it skips, and exactly which records it reports when publishing fails."""

from __future__ import annotations

import json
from typing import Any

import pytest

from orders_adapters.dynamodb import RECORD_ATTRIBUTE, encode_record, event_item, order_item
from orders_core import OrderEvent
from orders_lambda.metric_names import EVENTS_NOT_PUBLISHED
from orders_lambda.outbox import publish_records
from orders_manifest.events import STREAM_FILTER_PATTERN
from tests.events.conftest import Logs
from tests.events.stream_records import FakePublisher, record
from tests.support.builders import placed_order

EXPIRES = 1_900_000_000


def outbox(order_id: str) -> tuple[OrderEvent, dict[str, Any]]:
    _, event = placed_order(order_id)
    return event, dict(event_item(event, expires_at=EXPIRES))


def test_only_inserted_outbox_items_are_published_in_one_call() -> None:
    order, placed = placed_order("order-a")
    event, item = outbox("order-b")
    batch = {
        "Records": [
            record(1, "INSERT", dict(order_item(order))),
            record(2, "INSERT", item),
            record(3, "MODIFY", dict(order_item(order))),
            record(4, "REMOVE", None),  # the TTL deleting an old outbox item
            record(5, "REMOVE", item),
        ]
    }
    publisher = FakePublisher()

    assert publish_records(batch, publisher) == {"batchItemFailures": []}
    assert publisher.calls == [[event]]
    assert placed not in publisher.calls[0]


def test_a_batch_without_outbox_items_publishes_nothing() -> None:
    order, _ = placed_order()
    publisher = FakePublisher()

    answer = publish_records({"Records": [record(1, "INSERT", dict(order_item(order)))]}, publisher)

    assert answer == {"batchItemFailures": []}
    assert publisher.calls == []


def test_exactly_the_records_whose_events_failed_are_reported(logs: Logs) -> None:
    items = [outbox(f"order-{n}") for n in range(5)]
    failing = [items[1][0].event_id, items[3][0].event_id]
    batch = {"Records": [record(10 + n, "INSERT", item) for n, (_, item) in enumerate(items)]}

    answer = publish_records(batch, FakePublisher(failing))

    assert answer == {"batchItemFailures": [{"itemIdentifier": "11"}, {"itemIdentifier": "13"}]}
    warned = logs.lines("event not published")
    assert [line["event_id"] for line in warned] == failing
    assert {line["error_code"] for line in warned} == {"InternalFailure"}


def test_events_left_unpublished_are_counted_in_a_metric_written_at_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    items = [outbox(f"order-{n}") for n in range(3)]
    batch = {"Records": [record(10 + n, "INSERT", item) for n, (_, item) in enumerate(items)]}
    capsys.readouterr()

    publish_records(batch, FakePublisher([items[0][0].event_id, items[2][0].event_id]))

    emitted = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line
    ]
    counts = [blob[EVENTS_NOT_PUBLISHED] for blob in emitted if EVENTS_NOT_PUBLISHED in blob]
    assert counts == [[2.0]]


def test_an_unreadable_outbox_item_is_reported_and_the_rest_still_published(logs: Logs) -> None:
    good, item = outbox("order-ok")
    event, broken = outbox("order-broken")
    broken[RECORD_ATTRIBUTE] = encode_record({**event.to_record(), "occurred_at": "yesterday"})
    publisher = FakePublisher()

    answer = publish_records(
        {"Records": [record(1, "INSERT", broken), record(2, "INSERT", item)]}, publisher
    )

    assert answer == {"batchItemFailures": [{"itemIdentifier": "1"}]}
    assert publisher.calls == [[good]]
    [line] = logs.lines("outbox item unreadable")
    assert line["sequence_number"] == "1"


def test_the_deployment_filter_selects_outbox_inserts() -> None:
    assert STREAM_FILTER_PATTERN == {
        "eventName": ["INSERT"],
        "dynamodb": {"Keys": {"SK": {"S": [{"prefix": "EVENT#"}]}}},
    }
