"""The EventBridge publisher against a moto server process: real boto3 clients over HTTP, a bus,
a rule and an SQS queue as its target."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from orders_adapters.eventbridge import EventBridgePublisher
from tests.adapters.test_eventbridge_retries import order_events

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sqs import SQSClient

pytestmark = pytest.mark.integration


@dataclass
class Wiring:
    events: EventBridgeClient
    sqs: SQSClient
    bus: str
    queue_url: str
    calls: list[int]

    def received(self, expected: int) -> list[dict[str, Any]]:
        """The messages on the rule's queue, waiting briefly until ``expected`` are there."""
        bodies: list[dict[str, Any]] = []
        for _ in range(20):
            response = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            )
            bodies.extend(json.loads(message["Body"]) for message in response.get("Messages", []))
            if len(bodies) >= expected:
                break
        return bodies


@pytest.fixture
def wiring(moto_endpoint: str) -> Iterator[Wiring]:
    session = boto3.session.Session(region_name="us-east-1")
    events: EventBridgeClient = session.client("events", endpoint_url=moto_endpoint)
    sqs: SQSClient = session.client("sqs", endpoint_url=moto_endpoint)
    name = f"orders-{uuid.uuid4().hex[:8]}"
    events.create_event_bus(Name=name)
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events.put_rule(Name=name, EventBusName=name, EventPattern=json.dumps({"source": ["orders"]}))
    events.put_targets(Rule=name, EventBusName=name, Targets=[{"Id": "queue", "Arn": queue_arn}])
    calls: list[int] = []

    def count(params: dict[str, Any], **kwargs: Any) -> None:
        calls.append(len(params["Entries"]))

    events.meta.events.register("before-parameter-build.events.PutEvents", count)
    yield Wiring(events, sqs, name, queue_url, calls)
    events.remove_targets(Rule=name, EventBusName=name, Ids=["queue"])
    events.delete_rule(Name=name, EventBusName=name)
    events.delete_event_bus(Name=name)
    sqs.delete_queue(QueueUrl=queue_url)


def test_twenty_five_events_take_three_calls_and_all_reach_the_rule_target(
    wiring: Wiring,
) -> None:
    events = order_events(25)

    result = EventBridgePublisher(wiring.events, wiring.bus).publish(events)

    assert result.ok
    assert result.published == tuple(events)
    assert wiring.calls == [10, 10, 5]
    delivered = wiring.received(25)
    assert sorted(body["detail"]["order_id"] for body in delivered) == [
        event.order_id for event in events
    ]
    first = next(body for body in delivered if body["detail"]["order_id"] == "order-00")
    assert first["source"] == "orders"
    assert first["detail-type"] == "OrderPlaced"
    assert first["detail"] == events[0].to_record()


def test_events_from_another_source_do_not_match_the_rule(wiring: Wiring) -> None:
    result = EventBridgePublisher(wiring.events, wiring.bus, source="billing").publish(
        order_events(2)
    )

    assert result.ok
    assert wiring.received(0) == []
