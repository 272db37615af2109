"""The whole event flow on a moto server, and what happens when each step fails.

create → order + outbox item in one DynamoDB transaction → stream record → publisher →
EventBridge bus → a rule whose SQS target receives the event; payments through their queue
and shipments through their consumer move the order on. The first test runs the real Lambda
entrypoints (``POST /orders`` and the outbox publisher), each wired by the container from
``ORDERS_*`` variables alone; the others drive the use cases and the publisher's function
directly, so faults can be injected between the steps. After recovery, the invariants hold:
no state change without its event on the bus, no event without its state change, no
transition applied twice.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from orders_adapters.dynamodb import DynamoDbOrderRepository, create_orders_table
from orders_adapters.eventbridge import EventBridgePublisher, make_events_client
from orders_adapters.table_definition import IDEMPOTENCY_TABLE
from orders_core import EventType, OrderEvent, OrderId, OrderStatus
from orders_lambda import bootstrap
from orders_lambda.consumers.payments import process_batch
from orders_lambda.consumers.shipments import process_event
from orders_lambda.entrypoints import publisher
from orders_lambda.outbox import publish_records
from tests.events.aws import BusWithRule, QueueWithDlq, StreamReader, events_client
from tests.events.conftest import CURSOR_KEY
from tests.events.faults import EntryRejection, FlakyStore, refusing_endpoint, silent_endpoint
from tests.events.messages import payment, shipment
from tests.support.apigw import CUSTOMER, NEW_ORDER, FakeLambdaContext, invoke, rest_event
from tests.support.dynamodb_fixtures import ContractDynamoDbStore
from tests.support.service import ALICE, STAFF, Service, a_line

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient

pytestmark = pytest.mark.integration

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass
class Flow:
    store: FlakyStore
    service: Service
    stream: StreamReader
    bus: BusWithRule
    payments: QueueWithDlq
    seen_on_bus: list[dict[str, Any]]

    def place(self) -> str:
        return self.service.place(ALICE, currency="EUR", lines=[a_line()]).id

    def publisher(self, client: EventBridgeClient | None = None) -> Handler:
        events = EventBridgePublisher(client or self.bus.events, self.bus.bus, sleep=_no_pause)
        return lambda event, _context: publish_records(event, events)

    def pay_consumer(self) -> Handler:
        return lambda event, _context: process_batch(event, self.service.mark_paid)

    def ship(self, order_id: str, detail_type: str) -> dict[str, Any]:
        return process_event(
            shipment(order_id, detail_type),
            mark_shipped=self.service.mark_shipped,
            mark_delivered=self.service.mark_delivered,
        )

    def drain_stream(self, rounds: int = 5) -> None:
        """Poll the stream until a poll reports nothing failed (bounded)."""
        handler = self.publisher()
        for _ in range(rounds):
            delivery = self.stream.deliver(handler)
            if not delivery.failed and not delivery.crashed:
                break

    def collect_bus(self) -> list[dict[str, Any]]:
        self.seen_on_bus += self.bus.received()
        return self.seen_on_bus

    def assert_consistent(self, *order_ids: str) -> None:
        """Every stored change is on the bus exactly as stored, nothing else is, and the
        order's state is its last event's snapshot."""
        stored = {e.event_id: e for o in order_ids for e in self.store.events_for(OrderId(o))}
        self.collect_bus()
        on_bus = {m["detail"]["event_id"]: m for m in self.seen_on_bus}
        assert set(on_bus) == set(stored)
        for event_id, message in on_bus.items():
            assert message["detail"] == stored[event_id].to_record()
            assert message["detail-type"] == stored[event_id].type.value
        for order_id in order_ids:
            events = self.store.events_for(OrderId(order_id))
            assert [e.order_version for e in events] == list(range(1, len(events) + 1))
            order = self.service.get(STAFF, order_id)
            assert events[-1].order == order.to_record()
            types = [e.type for e in events]
            assert len(types) == len(set(types)), f"a transition applied twice: {types}"


def _no_pause(_seconds: float) -> None:
    return None


@pytest.fixture
def flow(
    dynamodb_client: DynamoDBClient,
    orders_table: str,
    stream: StreamReader,
    bus: BusWithRule,
    payments_queue: QueueWithDlq,
) -> Flow:
    store = FlakyStore(ContractDynamoDbStore(dynamodb_client, orders_table, cursor_key=CURSOR_KEY))
    return Flow(store, Service(store), stream, bus, payments_queue, [])


@pytest.fixture
def own_events_client(moto_endpoint: str) -> EventBridgeClient:
    """An events client of this test alone (fault hooks are registered on it)."""
    return events_client(moto_endpoint)


@pytest.fixture
def lambda_environment(
    monkeypatch: pytest.MonkeyPatch,
    moto_endpoint: str,
    dynamodb_client: DynamoDBClient,
    orders_table: str,
    bus: BusWithRule,
) -> Iterator[None]:
    """The functions' configuration as a deployment sets it, pointed at the moto server: the
    orders table (and an idempotency table) in DynamoDB, the test's bus in EventBridge. No
    container is installed, so the first invocation builds one from these variables; the
    variables and the container are put back afterwards."""
    for name in list(os.environ):
        if name.startswith(("ORDERS_", "POWERTOOLS_")):
            monkeypatch.delenv(name)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)  # no X-Ray outside Lambda
    idempotency_table = f"idempotency-{uuid.uuid4().hex[:10]}"
    create_orders_table(dynamodb_client, idempotency_table, IDEMPOTENCY_TABLE)
    for name, value in {
        "ORDERS_STORE": "dynamodb",
        "ORDERS_CURSOR_KEY": CURSOR_KEY.decode(),
        "ORDERS_TABLE_NAME": orders_table,
        "ORDERS_IDEMPOTENCY_TABLE": idempotency_table,
        "ORDERS_DYNAMODB_ENDPOINT": moto_endpoint,
        "ORDERS_EVENT_BUS_NAME": bus.bus,
        "ORDERS_EVENTS_ENDPOINT": moto_endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    bootstrap.install(None)
    try:
        yield
    finally:
        bootstrap.install(None)
        dynamodb_client.delete_table(TableName=idempotency_table)


@pytest.mark.usefixtures("lambda_environment")
def test_an_order_created_through_the_api_reaches_the_rule_target_as_order_placed(
    stream: StreamReader, bus: BusWithRule, dynamodb_repo: DynamoDbOrderRepository
) -> None:
    created = invoke(rest_event("POST", "/orders", body=NEW_ORDER), FakeLambdaContext())
    assert created.status == 201, created.text
    order = created.json
    assert isinstance(bootstrap.container().repo(), DynamoDbOrderRepository)
    [placed] = dynamodb_repo.events_for(OrderId(order["id"]))  # the outbox item, written with it

    records = stream.new_records()
    answer = publisher.handler(stream.lambda_event(records), FakeLambdaContext())

    assert len(records) == 2  # the order item and its outbox item
    assert answer == {"batchItemFailures": []}
    [message] = bus.received()
    assert message["source"] == "orders"
    assert message["detail-type"] == "OrderPlaced"
    detail = message["detail"]
    assert detail == placed.to_record()
    assert OrderEvent.from_record(detail) == placed
    # What the caller was told is what the bus announced.
    assert (detail["order_id"], detail["order_version"]) == (order["id"], order["version"])
    assert (detail["order"]["id"], detail["order"]["version"]) == (order["id"], 1)
    assert detail["customer_id"] == order["customer_id"] == CUSTOMER["sub"]
    announced_total = Decimal(detail["order"]["total"]).scaleb(-detail["order"]["minor_units"])
    assert announced_total == Decimal(order["total"])
    assert stream.new_records() == []  # nothing else was written


def test_a_whole_lifecycle_is_announced_in_order_of_versions(flow: Flow) -> None:
    order_id = flow.place()
    flow.payments.send(payment(order_id))
    assert flow.payments.poll(flow.pay_consumer()) == []
    flow.ship(order_id, "SHIPMENT_DISPATCHED")
    flow.ship(order_id, "SHIPMENT_DELIVERED")

    flow.drain_stream()

    assert flow.service.get(STAFF, order_id).status is OrderStatus.DELIVERED
    flow.assert_consistent(order_id)
    versions = sorted((m["detail"]["order_version"], m["detail-type"]) for m in flow.seen_on_bus)
    assert versions == [
        (1, "OrderPlaced"),
        (2, "OrderPaid"),
        (3, "OrderShipped"),
        (4, "OrderDelivered"),
    ]


def test_the_store_failing_before_writing_leaves_no_change_and_no_event(flow: Flow) -> None:
    order_id = flow.place()
    flow.drain_stream()
    flow.payments.send(payment(order_id))
    flow.store.fail_next_writes(1)

    assert len(flow.payments.poll(flow.pay_consumer())) == 1
    assert flow.service.get(STAFF, order_id).status is OrderStatus.PENDING
    assert flow.stream.deliver(flow.publisher()).records == 0  # nothing was written

    assert flow.payments.poll(flow.pay_consumer()) == []  # the redelivery, store back
    flow.drain_stream()
    assert flow.service.get(STAFF, order_id).status is OrderStatus.PAID
    flow.assert_consistent(order_id)


def test_the_store_failing_after_writing_applies_the_payment_once(flow: Flow) -> None:
    order_id = flow.place()
    flow.payments.send(payment(order_id))
    flow.store.fail_next_writes(1, after_write=True)

    assert len(flow.payments.poll(flow.pay_consumer())) == 1  # reported, yet applied
    assert flow.payments.poll(flow.pay_consumer()) == []  # the redelivery changes nothing
    flow.drain_stream()

    assert flow.service.get(STAFF, order_id).version == 2
    flow.assert_consistent(order_id)


def test_a_crashed_publisher_gets_the_whole_batch_again(flow: Flow) -> None:
    orders = [flow.place() for _ in range(3)]

    def crash(_event: dict[str, Any], _context: Any) -> dict[str, Any]:
        raise RuntimeError("the function ran out of time")

    assert flow.stream.deliver(crash).crashed
    assert flow.collect_bus() == []

    flow.drain_stream()
    flow.assert_consistent(*orders)


def test_eventbridge_refusing_connections_reports_every_record_until_it_is_back(
    flow: Flow,
) -> None:
    orders = [flow.place() for _ in range(2)]
    down = flow.publisher(make_events_client(refusing_endpoint(), max_attempts=1))

    delivery = flow.stream.deliver(down)

    assert len(delivery.failed) == 2  # the two outbox records; the order items are fine
    assert flow.collect_bus() == []
    flow.drain_stream()
    flow.assert_consistent(*orders)


def test_eventbridge_timing_out_reports_every_record_until_it_answers(flow: Flow) -> None:
    order_id = flow.place()
    with silent_endpoint() as url:
        slow = flow.publisher(make_events_client(url, max_attempts=1, read_timeout=0.3))
        delivery = flow.stream.deliver(slow)

    assert len(delivery.failed) == 1
    flow.drain_stream()
    flow.assert_consistent(order_id)


def test_eventbridge_rejecting_entries_reports_exactly_their_records(
    flow: Flow, own_events_client: EventBridgeClient
) -> None:
    orders = [flow.place() for _ in range(4)]
    events = {o: flow.store.events_for(OrderId(o))[0] for o in orders}
    rejected_ids = [events[orders[1]].event_id, events[orders[3]].event_id]
    rejection = EntryRejection(own_events_client, rejected_ids, times=1)

    delivery = flow.stream.deliver(flow.publisher(own_events_client))

    assert sorted(rejection.rejected) == sorted(rejected_ids)
    assert len(delivery.failed) == 2
    # The stream comes back from the first reported record on: records after it are
    # published again (same event ids), which consumers deduplicate.
    flow.drain_stream()
    flow.assert_consistent(*orders)
    ids = [m["detail"]["event_id"] for m in flow.seen_on_bus]
    assert set(ids) == {e.event_id for e in events.values()}


def test_payments_and_shipments_redelivered_everywhere_apply_each_transition_once(
    flow: Flow,
) -> None:
    order_id = flow.place()
    body = payment(order_id)
    flow.payments.send(body, body)
    flow.store.fail_next_writes(1, after_write=True)
    for _ in range(3):
        flow.payments.poll(flow.pay_consumer())
    for detail_type in ("SHIPMENT_DISPATCHED", "SHIPMENT_DISPATCHED", "SHIPMENT_DELIVERED"):
        flow.ship(order_id, detail_type)
    flow.ship(order_id, "SHIPMENT_DISPATCHED")  # late

    flow.drain_stream()

    types = [e.type for e in flow.store.events_for(OrderId(order_id))]
    assert types == [
        EventType.ORDER_PLACED,
        EventType.ORDER_PAID,
        EventType.ORDER_SHIPPED,
        EventType.ORDER_DELIVERED,
    ]
    flow.assert_consistent(order_id)
