"""The listing renders stored records without rebuilding Orders: for any order, and through
every store's listing, that path gives the very bytes the Order path gives."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from orders_adapters.dynamodb import DynamoDbOrderRepository, order_from_item, order_item
from orders_adapters.memory import InMemoryOrderRepository
from orders_adapters.sqlite import SqliteOrderRepository
from orders_adapters.testing.strategies import currencies, orders
from orders_core import (
    CustomerId,
    Order,
    OrderRepository,
    Principal,
    RecordListing,
    RecordPage,
)
from orders_core.money import MAX_ABS_AMOUNT, MINOR_UNITS, Money
from orders_core.use_cases import ListOrders
from orders_lambda.http.bodies import _amount, order_body, record_body
from orders_lambda.http.shapes import dumps

CUSTOMER = CustomerId("customer-1")
ZERO = timedelta(0)


@st.composite
def stored_orders(draw: st.DrawFn) -> Order:
    """Any order a store may hold, with a payment deadline or without (as before there were
    deadlines)."""
    order = draw(orders())
    if draw(st.booleans()):
        order = replace(
            order, payment_due=order.created_at + draw(st.timedeltas(ZERO, timedelta(days=30)))
        )
    return order


@given(stored_orders())
def test_a_record_renders_as_the_order_it_holds(order: Order) -> None:
    assert dumps(record_body(order.to_record())) == dumps(order_body(order))


@given(stored_orders())
def test_a_record_read_back_from_a_dynamodb_item_renders_as_its_order(order: Order) -> None:
    from orders_adapters.dynamodb import _record  # noqa: PLC0415

    item = order_item(order)
    assert dumps(record_body(_record(item))) == dumps(order_body(order_from_item(item)))


@given(currencies(), st.integers(-int(MAX_ABS_AMOUNT * 1000), int(MAX_ABS_AMOUNT * 1000)))
def test_an_amount_in_minor_units_prints_as_its_money(currency: str, units: int) -> None:
    digits = MINOR_UNITS[currency]
    units = max(-int(MAX_ABS_AMOUNT * 10**digits), min(units, int(MAX_ABS_AMOUNT * 10**digits)))
    assert _amount(units, digits) == str(Money.from_minor(units, currency).amount)


def _stores(scratch: Path) -> list[RecordListing]:
    # Typed as RecordListing: mypy checks that each store offers it.
    return [InMemoryOrderRepository(b"k" * 32), SqliteOrderRepository(scratch / "orders.db")]


def _dynamodb_offers_records(store: DynamoDbOrderRepository) -> RecordListing:
    return store  # what mypy checks; the DynamoDB tests run the store itself


class _OrdersOnly:
    """A store that offers no record listing: the use case maps its Orders."""

    def __init__(self, store: OrderRepository) -> None:
        self.list_for_customer = store.list_for_customer


@settings(max_examples=25, deadline=None)
@given(
    st.lists(stored_orders(), min_size=1, max_size=8, unique_by=lambda o: o.id), st.integers(1, 5)
)
def test_every_store_lists_records_that_render_as_its_orders(
    placed: list[Order], limit: int
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        for store in _stores(Path(scratch)):
            assert isinstance(store, InMemoryOrderRepository | SqliteOrderRepository)
            for order in placed:
                store.add(replace(order, customer_id=CUSTOMER, version=1), [])
            listing, mapped = ListOrders(store), ListOrders(_OrdersOnly(store))  # type: ignore[arg-type]
            caller = Principal.customer(CUSTOMER)
            cursor: str | None = None
            while True:
                as_orders = listing(caller, limit=limit, cursor=cursor)
                as_records = listing.records(caller, limit=limit, cursor=cursor)
                assert mapped.records(caller, limit=limit, cursor=cursor) == RecordPage(
                    tuple(o.to_record() for o in as_orders.items), as_orders.next_cursor
                )
                assert [dumps(record_body(r)) for r in as_records.records] == [
                    dumps(order_body(o)) for o in as_orders.items
                ]
                assert as_records.next_cursor == as_orders.next_cursor
                cursor = as_orders.next_cursor
                if cursor is None:
                    break
