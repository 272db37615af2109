"""The EventBridge publisher's batching, retries and failure reports, with botocore's Stubber
on a real events client (moto never rejects single entries)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from orders_adapters.eventbridge import (
    ENTRY_TOO_LARGE,
    MAX_REQUEST_BYTES,
    EventBridgePublisher,
)
from orders_core import FailedEvent, OrderEvent
from tests.support.builders import placed_order

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

DUMMY_KEY = "testing"
BUS = "orders-bus"


def order_events(count: int, *, padding: int = 0) -> list[OrderEvent]:
    """``count`` distinct OrderPlaced events; ``padding`` characters make each one bigger."""
    events = [placed_order(f"order-{n:02d}")[1] for n in range(count)]
    if padding:
        events = [replace(event, order={**event.order, "note": "x" * padding}) for event in events]
    return events


class EventBridge:
    """A stubbed events client that records each PutEvents call's entries and every pause."""

    def __init__(self) -> None:
        session = boto3.session.Session(DUMMY_KEY, DUMMY_KEY, region_name="eu-west-1")
        self.client: EventBridgeClient = session.client("events")
        self.stubber = Stubber(self.client)
        self.calls: list[list[dict[str, Any]]] = []
        self.pauses: list[float] = []
        self.client.meta.events.register("before-parameter-build.events.PutEvents", self._record)

    def _record(self, params: dict[str, Any], **kwargs: Any) -> None:
        self.calls.append(list(params["Entries"]))

    def answers(self, *results: str | None) -> None:
        """One PutEvents response: None accepts an entry, a string is its error code."""
        entries: list[dict[str, str]] = [
            {"EventId": f"id-{n}"} if code is None else {"ErrorCode": code, "ErrorMessage": "no"}
            for n, code in enumerate(results)
        ]
        failed = sum(code is not None for code in results)
        self.stubber.add_response("put_events", {"FailedEntryCount": failed, "Entries": entries})

    def accepts(self, count: int) -> None:
        self.answers(*([None] * count))

    def publisher(self, **options: Any) -> EventBridgePublisher:
        return EventBridgePublisher(self.client, BUS, sleep=self.pauses.append, **options)

    def sent_ids(self, call: int) -> list[str]:
        return [json.loads(entry["Detail"])["order_id"] for entry in self.calls[call]]


@pytest.fixture
def eventbridge() -> Iterator[EventBridge]:
    stubbed = EventBridge()
    with stubbed.stubber:
        yield stubbed
        stubbed.stubber.assert_no_pending_responses()


def test_each_event_becomes_one_entry_with_its_record_as_detail(eventbridge: EventBridge) -> None:
    [event] = order_events(1)
    eventbridge.stubber.add_response(
        "put_events",
        {"FailedEntryCount": 0, "Entries": [{"EventId": "id-0"}]},
        {
            "Entries": [
                {
                    "Time": event.occurred_at,
                    "Source": "orders",
                    "DetailType": "OrderPlaced",
                    "Detail": ANY,
                    "EventBusName": BUS,
                }
            ]
        },
    )
    result = eventbridge.publisher().publish([event])

    assert result.ok
    assert result.published == (event,)
    assert json.loads(eventbridge.calls[0][0]["Detail"]) == event.to_record()


def test_nothing_to_publish_makes_no_call(eventbridge: EventBridge) -> None:
    result = eventbridge.publisher().publish([])
    assert result.ok
    assert eventbridge.calls == []


def test_only_the_rejected_entries_are_sent_again(eventbridge: EventBridge) -> None:
    events = order_events(4)
    eventbridge.answers(None, "ThrottlingException", None, "InternalFailure")
    eventbridge.accepts(2)

    result = eventbridge.publisher().publish(events)

    assert result.ok
    assert result.published == tuple(events)
    assert eventbridge.sent_ids(1) == ["order-01", "order-03"]
    assert eventbridge.pauses == [0.1]


def test_entries_still_rejected_after_the_last_attempt_are_reported(
    eventbridge: EventBridge,
) -> None:
    events = order_events(3)
    eventbridge.answers("InternalFailure", None, "ThrottlingException")
    eventbridge.answers(None, "ThrottlingException")
    eventbridge.answers("ThrottlingException")

    result = eventbridge.publisher(max_attempts=3).publish(events)

    assert result.published == (events[0], events[1])
    assert result.failed == (FailedEvent(events[2], "ThrottlingException", "no"),)
    assert [len(call) for call in eventbridge.calls] == [3, 2, 1]
    assert eventbridge.pauses == [0.1, 0.2]


def test_an_entry_that_cannot_succeed_is_not_sent_again(eventbridge: EventBridge) -> None:
    events = order_events(2)
    eventbridge.answers("MalformedDetail", "InternalFailure")
    eventbridge.accepts(1)

    result = eventbridge.publisher().publish(events)

    assert result.published == (events[1],)
    assert result.failed == (FailedEvent(events[0], "MalformedDetail", "no"),)
    assert eventbridge.sent_ids(1) == ["order-01"]


def test_with_one_attempt_nothing_is_sent_again(eventbridge: EventBridge) -> None:
    events = order_events(2)
    eventbridge.answers(None, "InternalFailure")

    result = eventbridge.publisher(max_attempts=1).publish(events)

    assert [failure.event for failure in result.failed] == [events[1]]
    assert eventbridge.pauses == []


@pytest.mark.parametrize(
    ("code", "status"),
    [("ThrottlingException", 400), ("InternalException", 500), ("AccessDeniedException", 400)],
)
def test_a_failed_call_fails_its_own_events_and_the_other_calls_go_ahead(
    eventbridge: EventBridge, code: str, status: int
) -> None:
    events = order_events(12)
    eventbridge.stubber.add_client_error(
        "put_events", service_error_code=code, service_message="down", http_status_code=status
    )
    eventbridge.accepts(2)

    result = eventbridge.publisher().publish(events)

    assert result.published == tuple(events[10:])
    assert result.failed == tuple(FailedEvent(event, code, "down") for event in events[:10])
    assert eventbridge.pauses == []


def test_calls_stay_within_the_request_size_limit(eventbridge: EventBridge) -> None:
    events = order_events(5, padding=100_000)
    for count in (2, 2, 1):
        eventbridge.accepts(count)

    result = eventbridge.publisher().publish(events)

    assert result.ok
    assert [len(call) for call in eventbridge.calls] == [2, 2, 1]
    for call in eventbridge.calls:
        size = sum(14 + len(e["Source"]) + len(e["DetailType"]) + len(e["Detail"]) for e in call)
        assert size <= MAX_REQUEST_BYTES


def test_an_event_too_big_for_any_request_is_reported_without_a_call(
    eventbridge: EventBridge,
) -> None:
    [small] = order_events(1)
    [big] = order_events(1, padding=MAX_REQUEST_BYTES)
    eventbridge.accepts(1)

    result = eventbridge.publisher().publish([big, small])

    assert result.published == (small,)
    [failure] = result.failed
    assert failure.event is big
    assert failure.error_code == ENTRY_TOO_LARGE
    assert len(eventbridge.calls) == 1


def test_max_attempts_below_one_is_refused(eventbridge: EventBridge) -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        eventbridge.publisher(max_attempts=0)
