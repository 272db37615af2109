"""A third party's tests of its own store, written with the orders testing extra alone.

Copied as ``test_dict_store.py`` into the throw-away package by test_outside_use.py (named
otherwise here, so the project's own run does not collect it).
"""

from __future__ import annotations

import pytest
from dict_store import DictOrderRepository
from hypothesis import given, settings

from orders_adapters.testing.contract import OrderRepositoryContract
from orders_adapters.testing.strategies import InvalidLines, invalid_lines, new_lines
from orders_core import InvalidInput, NewLine, OrderStatus, Principal
from orders_core.testing import EPOCH, EventRecorder, ManualClock, OrderBuilder, UseCases

ALICE = Principal.customer("alice")


class TestDictStore(OrderRepositoryContract):
    @pytest.fixture
    def contract_store(self) -> DictOrderRepository:
        return DictOrderRepository()


@settings(max_examples=25, deadline=None)
@given(lines=new_lines("EUR"))
def test_valid_lines_are_placed_on_the_dict_store(lines: list[NewLine]) -> None:
    app = UseCases(DictOrderRepository())
    order = app.place(ALICE, currency="EUR", lines=lines)
    assert app.store.get(order.id).same_state(order)


@settings(max_examples=25, deadline=None)
@given(bad=invalid_lines("JPY"))
def test_invalid_lines_are_refused_naming_the_field(bad: InvalidLines) -> None:
    with pytest.raises(InvalidInput) as raised:
        UseCases(DictOrderRepository()).place(ALICE, currency="JPY", lines=bad.lines)
    assert bad.field in raised.value.fields


def test_the_plugin_wires_the_use_cases(
    orders_use_cases: UseCases[EventRecorder], orders_clock: ManualClock
) -> None:
    order = orders_use_cases.place(ALICE, currency="EUR", lines=[NewLine("A-1", 1, "2.50")])
    assert order.created_at == EPOCH
    assert orders_clock.peek() > EPOCH
    assert orders_use_cases.store.types() == ["OrderPlaced"]


def test_a_built_shipped_order_is_stored_with_its_history() -> None:
    store = DictOrderRepository()
    OrderBuilder(order_id="o-1", customer_id="alice").in_status(OrderStatus.SHIPPED).store_in(store)
    assert [e.type.value for e in store.all_events()] == [
        "OrderPlaced",
        "OrderPaid",
        "OrderShipped",
    ]
