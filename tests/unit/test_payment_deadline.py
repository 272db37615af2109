"""The payment deadline: recorded once at placement from the deadline policy, never moved by
a later setting, bounded, and the rules of ExpireOrder that no interleaving test reaches."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orders_adapters.memory import InMemoryOrderRepository
from orders_core import (
    DEFAULT_PAYMENT_DEADLINE,
    MAX_PAYMENT_DEADLINE,
    FixedPaymentDeadline,
    InvalidConfiguration,
    NewLine,
    Order,
    OrderNotFound,
    PermissionDenied,
    Principal,
)
from orders_core.testing import EPOCH, ManualClock, UseCases, placed_order

ALICE = Principal.customer("alice")
STAFF = Principal.staff("staff:deadline")
LINES = [NewLine("SKU-1", 1, "10.00")]


class Setting:
    """A deadline policy whose value an operator changes while the service runs."""

    def __init__(self, window: timedelta) -> None:
        self.window = window

    def payment_window(self) -> timedelta:
        return self.window


def test_the_default_deadline_is_thirty_minutes_after_placement() -> None:
    service = UseCases(InMemoryOrderRepository(), clock=ManualClock())
    order = service.place(ALICE, currency="EUR", lines=LINES)
    assert timedelta(minutes=30) == DEFAULT_PAYMENT_DEADLINE
    assert order.payment_due == EPOCH + timedelta(minutes=30)


def test_a_changed_setting_applies_to_new_orders_and_moves_no_existing_one() -> None:
    setting = Setting(timedelta(minutes=10))
    store = InMemoryOrderRepository()
    service = UseCases(store, clock=ManualClock(), deadlines=setting)
    first = service.place(ALICE, currency="EUR", lines=LINES)
    setting.window = timedelta(hours=2)
    second = service.place(ALICE, currency="EUR", lines=LINES)

    assert store.get(first.id).payment_due == EPOCH + timedelta(minutes=10)
    assert store.get(second.id).payment_due == EPOCH + timedelta(hours=2)


@pytest.mark.parametrize("window", [timedelta(0), -timedelta(minutes=1), MAX_PAYMENT_DEADLINE * 2])
def test_a_deadline_out_of_bounds_is_refused_where_it_is_set_and_places_nothing(
    window: timedelta,
) -> None:
    with pytest.raises(InvalidConfiguration):
        FixedPaymentDeadline(window)
    store = InMemoryOrderRepository()
    service = UseCases(store, deadlines=Setting(window))
    with pytest.raises(InvalidConfiguration):
        service.place(ALICE, currency="EUR", lines=LINES)
    assert store.all_events() == []


def test_only_staff_expire_orders_and_a_deleted_order_is_not_found() -> None:
    clock = ManualClock()
    service = UseCases(InMemoryOrderRepository(), clock=clock)
    order = service.place(ALICE, currency="EUR", lines=LINES)
    clock.advance(timedelta(hours=1))
    with pytest.raises(PermissionDenied):
        service.expire(ALICE, order.id)
    service.delete(ALICE, order.id)
    with pytest.raises(OrderNotFound):
        service.expire(STAFF, order.id)


def test_an_order_not_yet_due_is_left_alone_and_expires_once_due() -> None:
    clock = ManualClock()
    service = UseCases(InMemoryOrderRepository(), clock=clock)
    order = service.place(ALICE, currency="EUR", lines=LINES)
    clock.advance(timedelta(minutes=29, seconds=59))
    early = service.expire(STAFF, order.id)
    assert (early.changed, early.order.is_due(clock.peek())) == (False, False)
    clock.advance(timedelta(seconds=1))
    assert service.expire(STAFF, order.id).changed


def test_a_record_without_a_deadline_loads_as_an_order_without_one() -> None:
    order, _ = placed_order("old-order")
    record = order.to_record()
    assert "payment_due" not in record
    loaded = Order.from_record(record)
    assert loaded.payment_due is None
    assert not loaded.is_due(EPOCH + timedelta(days=3650))


def test_a_deadline_before_placement_is_refused() -> None:
    with pytest.raises(ValueError, match="before its placement"):
        placed_order("order-1", payment_due=EPOCH - timedelta(seconds=1))
