"""Items of the nested shape (written before the encoded record) still read, and a save
rewrites them in the new shape: the migration of tables that hold them.

``tests/support/legacy_items.json`` is an order item and its event as the old code wrote them
(``order_item`` and ``event_item`` at 46d025a, run on the order built below); the frozen
writers of ``tests/support/legacy_items.py`` are checked against it, then used for any order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings

from orders_adapters.dynamodb import (
    RECORD_ATTRIBUTE,
    DynamoDbOrderRepository,
    _record,
    event_from_item,
    event_item,
    order_from_item,
    order_item,
    order_key,
)
from orders_adapters.testing.strategies import order_events, orders
from orders_core import CustomerId, Order, OrderEvent, OrderId, OrderNotFound, OrderStatus
from orders_core.testing import OrderBuilder, line
from orders_lambda.http.bodies import order_body, record_body
from orders_lambda.http.shapes import dumps
from tests.support.legacy_items import legacy_event_item, legacy_order_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

WRITTEN = json.loads((Path(__file__).parents[1] / "support" / "legacy_items.json").read_text())
CURSOR_KEY = b"legacy-items-cursor-key-0123456789abcdef"
EXPIRES_AT = 1_765_000_000


def _the_recorded_order() -> tuple[Order, OrderEvent]:
    at = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    order, events = (
        OrderBuilder(order_id="order-legacy-1", customer_id="customer-legacy", at=at)
        .with_lines(line("BOOK-42", 2, "12.50"), line("MUG-7", 1, "8.00"))
        .with_discounts(("welcome-10", "10"))
        .due_at(at + timedelta(minutes=30))
        .build_with_events()
    )
    return order, events[0]


def test_the_frozen_writers_write_what_the_old_code_wrote() -> None:
    order, placed = _the_recorded_order()
    assert legacy_order_item(order) == WRITTEN["order"]
    assert legacy_event_item(placed, expires_at=EXPIRES_AT) == WRITTEN["event"]


def test_the_recorded_items_read_as_their_order_and_event() -> None:
    order, placed = _the_recorded_order()
    assert order_from_item(WRITTEN["order"]).to_record() == order.to_record()
    assert _record(WRITTEN["order"]) == _record(order_item(order))
    assert event_from_item(WRITTEN["event"]) == placed


@given(orders())
def test_an_order_item_of_either_shape_reads_as_the_same_record(order: Order) -> None:
    old, new = legacy_order_item(order), order_item(order)
    assert _record(old) == _record(new) == order.to_record()
    assert RECORD_ATTRIBUTE in new
    assert RECORD_ATTRIBUTE not in old
    # The listing renders either shape's record as the order itself.
    assert dumps(record_body(_record(old))) == dumps(order_body(order))


@given(order_events())
def test_an_outbox_item_of_either_shape_reads_as_the_same_event(event: OrderEvent) -> None:
    old, new = legacy_event_item(event, expires_at=1), event_item(event, expires_at=1)
    assert event_from_item(old) == event_from_item(new) == event


def _repository(client: DynamoDBClient, table: str) -> DynamoDbOrderRepository:
    return DynamoDbOrderRepository(client, table, cursor_key=CURSOR_KEY)


def _stored(client: DynamoDBClient, table: str, order: Order) -> dict[str, Any]:
    return dict(client.get_item(TableName=table, Key=order_key(order.id))["Item"])


@pytest.fixture
def recorded_in_a_table(
    dynamodb_client: DynamoDBClient, orders_table: str
) -> tuple[DynamoDbOrderRepository, Order, OrderEvent]:
    """The recorded order and event, put in a fresh table as the old code wrote them."""
    order, placed = _the_recorded_order()
    dynamodb_client.put_item(TableName=orders_table, Item=WRITTEN["order"])
    dynamodb_client.put_item(TableName=orders_table, Item=WRITTEN["event"])
    return _repository(dynamodb_client, orders_table), order, placed


@pytest.mark.integration
def test_an_order_written_by_the_old_code_reads_back_and_survives_a_save(
    dynamodb_client: DynamoDBClient,
    orders_table: str,
    recorded_in_a_table: tuple[DynamoDbOrderRepository, Order, OrderEvent],
) -> None:
    store, order, placed = recorded_in_a_table
    assert store.get(order.id).to_record() == order.to_record()
    listed = store.list_records_for_customer(order.customer_id, limit=10)
    assert listed.records == (order.to_record(),)
    [listed_order] = store.list_for_customer(order.customer_id, limit=10).items
    assert listed_order.to_record() == order.to_record()
    assert store.events_for(order.id) == [placed]

    # A save conditions on the old item's version attribute and writes the new shape.
    paid = store.get(order.id)
    was_paid = paid.mark_paid(at=order.created_at + timedelta(minutes=5))
    store.save(paid, expected_version=1, events=[was_paid])
    stored = _stored(dynamodb_client, orders_table, paid)
    assert RECORD_ATTRIBUTE in stored
    assert "lines" not in stored
    assert store.get(order.id).to_record() == paid.to_record()
    assert paid.status is OrderStatus.PAID
    assert store.list_records_for_customer(order.customer_id, limit=10).records == (
        paid.to_record(),
    )
    assert store.events_for(order.id) == [placed, was_paid]


@pytest.mark.integration
def test_an_order_written_by_the_old_code_can_be_deleted(
    recorded_in_a_table: tuple[DynamoDbOrderRepository, Order, OrderEvent],
) -> None:
    store, order, _ = recorded_in_a_table
    store.delete(order.id, expected_version=1, events=[])
    with pytest.raises(OrderNotFound):
        store.get(order.id)


@pytest.mark.integration
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(placed=orders())
def test_a_page_of_both_shapes_lists_every_record_in_order(
    dynamodb_client: DynamoDBClient, orders_table: str, placed: Order
) -> None:
    # Six orders of one customer a minute apart, alternately in the old and the new shape.
    customer = CustomerId(f"mixed-{placed.id}")
    written = []
    for n in range(6):
        order = replace(
            placed,
            id=OrderId(f"{placed.id}-{n}"),
            customer_id=customer,
            created_at=placed.created_at + timedelta(minutes=n),
            updated_at=placed.updated_at + timedelta(minutes=n),
        )
        item = legacy_order_item(order) if n % 2 else order_item(order)
        dynamodb_client.put_item(TableName=orders_table, Item=item)
        written.append(order)
    store = _repository(dynamodb_client, orders_table)
    newest_first = [o.to_record() for o in reversed(written)]
    records: list[Mapping[str, Any]] = []
    cursor: str | None = None
    while True:
        page = store.list_records_for_customer(customer, limit=4, cursor=cursor)
        records += page.records
        cursor = page.next_cursor
        if cursor is None:
            break
    assert records == newest_first
    assert [dumps(record_body(r)) for r in records] == [
        dumps(order_body(o)) for o in reversed(written)
    ]
