"""The pytest plugin's fixtures, as a test author uses them: no conftest, no import of the
plugin (pytest loads it through the distribution's pytest11 entry point)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orders_adapters.memory import InMemoryOrderRepository
from orders_adapters.sqlite import SqliteOrderRepository
from orders_core import NewLine, OrderRepository, Principal
from orders_core.testing import EPOCH, EventRecorder, ManualClock, SequentialIds, UseCases


def test_the_plugin_is_loaded_through_its_entry_point(pytestconfig: pytest.Config) -> None:
    plugin = pytestconfig.pluginmanager.get_plugin("orders")
    assert plugin is not None
    assert plugin.__name__ == "orders_adapters.testing.plugin"


def test_the_clock_and_ids_are_deterministic(
    orders_clock: ManualClock, orders_ids: SequentialIds
) -> None:
    assert [orders_clock.now(), orders_clock.now()] == [EPOCH, EPOCH + timedelta(seconds=1)]
    assert orders_ids.new_order_id() == "order-000001"


def test_orders_store_runs_the_test_once_per_standard_library_store(
    orders_store: OrderRepository, request: pytest.FixtureRequest
) -> None:
    kinds = {"memory": InMemoryOrderRepository, "sqlite": SqliteOrderRepository}
    assert isinstance(orders_store, kinds[request.node.callspec.params["orders_store"]])


def test_the_wired_use_cases_record_every_event_they_write(
    orders_use_cases: UseCases[EventRecorder], orders_recorder: EventRecorder
) -> None:
    alice, staff = Principal.customer("alice"), Principal.staff("staff:test")
    order = orders_use_cases.place(alice, currency="EUR", lines=[NewLine("A-1", 1, "9.99")])
    orders_use_cases.mark_paid(staff, order.id)
    assert orders_recorder.types() == ["OrderPlaced", "OrderPaid"]
    assert order.id == "order-000001"
