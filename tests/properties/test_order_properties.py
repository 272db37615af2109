"""Totals, discounts and invariants of generated orders, and every mapping to storage."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from orders_adapters.memory import InMemoryOrderRepository
from orders_adapters.sqlite import SqliteOrderRepository
from orders_adapters.testing.strategies import (
    currencies,
    discount_percents,
    new_lines,
    order_events,
    orders,
)
from orders_core import (
    CustomerTier,
    EventType,
    FixedDiscounts,
    Money,
    NewLine,
    Order,
    OrderEvent,
    OrderStatus,
    Principal,
)
from orders_core.order import MAX_LINES, MAX_QUANTITY, MAX_TOTAL_DISCOUNT_PERCENT, MAX_UNIT_PRICE
from tests.support.service import Service

HALF = MAX_TOTAL_DISCOUNT_PERCENT


def assert_invariants(order: Order) -> None:
    assert 1 <= len(order.lines) <= MAX_LINES
    assert len({ln.sku for ln in order.lines}) == len(order.lines)
    for ln in order.lines:
        assert ln.unit_price.currency == order.currency
        assert 1 <= ln.quantity <= MAX_QUANTITY
        assert Decimal(0) < ln.unit_price.amount <= MAX_UNIT_PRICE
    assert order.version >= 1
    assert order.created_at.utcoffset() is not None
    assert order.updated_at >= order.created_at


def assert_totals(order: Order) -> None:
    zero = Money.zero(order.currency)
    assert order.subtotal == sum((ln.unit_price * ln.quantity for ln in order.lines), zero)
    assert order.total == order.subtotal - order.discount
    assert zero <= order.discount <= order.subtotal.percent(HALF)
    # Half of the subtotal, rounded with the one rule: at most half a minor unit above half.
    assert 2 * order.discount.minor_units <= order.subtotal.minor_units + 1
    assert zero < order.total <= order.subtotal
    assert order.discount_percent == min(
        sum((d.percent for d in order.discounts), Decimal(0)), HALF
    )


@given(orders())
def test_generated_orders_keep_every_invariant(order: Order) -> None:
    assert_invariants(order)
    assert_totals(order)


@given(currencies().flatmap(lambda c: st.tuples(st.just(c), new_lines(c))), st.data())
def test_placed_orders_keep_every_invariant_and_their_discounts(
    currency_and_lines: tuple[str, list[NewLine]], data: st.DataObject
) -> None:
    currency, lines = currency_and_lines
    premium = data.draw(st.none() | discount_percents(), label="premium")
    campaign = data.draw(st.none() | discount_percents(), label="campaign")
    svc = Service(InMemoryOrderRepository(), pricing=FixedDiscounts(premium, campaign))
    customer = Principal.customer("alice", data.draw(st.sampled_from(CustomerTier)))
    order = svc.place(customer, currency=currency, lines=lines)
    assert_invariants(order)
    assert_totals(order)
    assert order.status is OrderStatus.PENDING
    assert [ln.sku for ln in order.lines] == [ln.sku for ln in lines]


@given(orders())
def test_an_order_survives_its_record(order: Order) -> None:
    record = order.to_record()
    assert Order.from_record(record).same_state(order)
    assert Order.from_record(record).to_record() == record


@given(orders())
def test_an_order_survives_its_record_as_json(order: Order) -> None:
    text = json.dumps(order.to_record(), separators=(",", ":"), sort_keys=True)
    assert Order.from_record(json.loads(text)).same_state(order)


@given(order_events())
def test_an_event_survives_its_record(event: OrderEvent) -> None:
    assert OrderEvent.from_record(event.to_record()) == event
    assert OrderEvent.from_record(json.loads(json.dumps(event.to_record()))) == event


@given(orders(), st.sampled_from(EventType))
def test_an_order_and_its_event_survive_the_sqlite_store(
    generated: Order, event_type: EventType
) -> None:
    order = dataclasses.replace(generated, version=1)
    event = OrderEvent(
        event_id="event-1",
        type=event_type,
        order_id=order.id,
        customer_id=order.customer_id,
        order_version=1,
        occurred_at=order.updated_at,
        order=order.to_record(),
    )
    store = SqliteOrderRepository(":memory:")
    try:
        store.add(order, [event])
        assert store.get(order.id).same_state(order)
        assert store.events_for(order.id) == [event]
        (listed,) = store.list_for_customer(order.customer_id, limit=1).items
        assert listed.same_state(order)
    finally:
        store.close()
