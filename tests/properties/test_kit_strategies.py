"""The shipped strategies draw what they say: valid values core accepts, invalid lines core
refuses with the field they name, orders in the status asked for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders_adapters.memory import InMemoryOrderRepository
from orders_adapters.testing.strategies import (
    INVALID_LINE_KINDS,
    LIFECYCLE_PATHS,
    InvalidLines,
    currencies,
    invalid_lines,
    lifecycle_orders,
    new_lines,
    order_histories,
    principals,
)
from orders_core import (
    SKU_PATTERN,
    EventType,
    InvalidInput,
    Order,
    OrderEvent,
    OrderStatus,
    Principal,
)
from orders_core.testing import UseCases

ALICE = Principal.customer("alice")


def test_every_status_has_a_path_and_every_invalid_kind_a_field() -> None:
    assert set(LIFECYCLE_PATHS) == set(OrderStatus)
    assert all(field.startswith("lines") for field in INVALID_LINE_KINDS.values())


@given(st.data())
def test_valid_new_lines_are_placed_as_given(data: st.DataObject) -> None:
    currency = data.draw(currencies())
    lines = data.draw(new_lines(currency))
    order = UseCases(InMemoryOrderRepository()).place(ALICE, currency=currency, lines=lines)
    assert [ln.sku for ln in order.lines] == [ln.sku for ln in lines]
    assert all(SKU_PATTERN.fullmatch(ln.sku) for ln in order.lines)


@pytest.mark.parametrize("kind", sorted(INVALID_LINE_KINDS))
@given(data=st.data())
def test_each_kind_of_invalid_line_is_refused_naming_its_field(
    kind: str, data: st.DataObject
) -> None:
    currency = data.draw(currencies())
    bad: InvalidLines = data.draw(invalid_lines(currency, kind=kind))
    app = UseCases(InMemoryOrderRepository())
    with pytest.raises(InvalidInput) as raised:
        app.place(ALICE, currency=currency, lines=bad.lines)
    assert bad.kind == kind
    assert bad.field in raised.value.fields


@given(st.data())
def test_lifecycle_orders_are_in_the_status_asked_for(data: st.DataObject) -> None:
    status = data.draw(st.sampled_from(OrderStatus))
    assert data.draw(lifecycle_orders(status=status)).status is status


@given(order_histories())
def test_a_history_is_one_placement_then_one_event_per_version(
    history: tuple[Order, list[OrderEvent]],
) -> None:
    order, events = history
    assert events[0].type is EventType.ORDER_PLACED
    assert [e.order_version for e in events] == list(range(1, order.version + 1))
    assert Order.from_record(events[-1].order).same_state(order)


@given(principals(staff=False), principals(staff=True))
def test_principals_are_customers_or_staff_as_asked(customer: Principal, staff: Principal) -> None:
    assert not customer.is_staff
    assert staff.is_staff
