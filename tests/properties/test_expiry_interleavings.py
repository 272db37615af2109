"""Pay, cancel and expire in any order at any time: every run ends in one consistent state,
with exactly one event per change, whatever the interleaving (and when pay and expire race
on threads at the deadline, exactly one of them wins)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from orders_adapters.memory import InMemoryOrderRepository
from orders_core import (
    CancelReason,
    EventType,
    FixedPaymentDeadline,
    IllegalTransition,
    NewLine,
    OrderStatus,
    Principal,
)
from orders_core.testing import ManualClock, UseCases

ALICE = Principal.customer("alice")
STAFF = Principal.staff("staff:expiry")
LINES = [NewLine("SKU-1", 1, "10.00")]
DEADLINE = timedelta(minutes=30)

Step = tuple[str, int]  # (operation, seconds the clock moves first)
steps = st.lists(
    st.tuples(st.sampled_from(["pay", "cancel", "expire"]), st.integers(0, 3600)), max_size=8
)


_CANCELLED = EventType.ORDER_CANCELLED


@dataclass
class Model:
    """What the rules say should happen, written independently of the use cases."""

    status: OrderStatus = OrderStatus.PENDING
    events: tuple[tuple[EventType, CancelReason | None], ...] = ((EventType.ORDER_PLACED, None),)

    def apply(self, operation: str, due: bool) -> bool | None:
        """True/False: changed or not; None: refused as an illegal transition."""
        cancelled = self.status is OrderStatus.CANCELLED
        if operation == "pay":
            if cancelled or self.status is OrderStatus.PAID:
                return None if cancelled else False
            return self._move(OrderStatus.PAID, EventType.ORDER_PAID, None)
        if operation == "cancel":
            reason: CancelReason = CancelReason.REQUESTED
            return None if cancelled else self._move(OrderStatus.CANCELLED, _CANCELLED, reason)
        if self.status is OrderStatus.PENDING and due:
            return self._move(OrderStatus.CANCELLED, _CANCELLED, CancelReason.PAYMENT_DEADLINE)
        return False

    def _move(self, status: OrderStatus, event: EventType, reason: CancelReason | None) -> bool:
        self.status = status
        self.events = (*self.events, (event, reason))
        return True


def _run(service: UseCases[InMemoryOrderRepository], operation: str, order_id: str) -> bool | None:
    act: dict[str, Callable[[], object]] = {
        "pay": lambda: service.mark_paid(STAFF, order_id).changed,
        "cancel": lambda: service.cancel(STAFF, order_id) is not None,
        "expire": lambda: service.expire(STAFF, order_id).changed,
    }
    try:
        return bool(act[operation]())
    except IllegalTransition:
        return None


@settings(max_examples=300)
@given(steps)
def test_any_interleaving_of_pay_cancel_and_expire_ends_consistently(history: list[Step]) -> None:
    clock = ManualClock()
    store = InMemoryOrderRepository()
    service = UseCases(store, clock=clock, deadlines=FixedPaymentDeadline(DEADLINE))
    order = service.place(ALICE, currency="EUR", lines=LINES)
    assert order.payment_due == clock.peek() + DEADLINE
    model = Model()

    for operation, seconds in history:
        clock.advance(timedelta(seconds=seconds))
        due = clock.peek() >= order.payment_due
        expected = model.apply(operation, due)
        assert _run(service, operation, order.id) == expected, (operation, due)

        stored = store.get(order.id)
        events = store.events_for(order.id)
        assert stored.status is model.status
        assert [(e.type, e.reason) for e in events] == list(model.events)
        # One event per change, each at the next version, the last one the stored state.
        assert [e.order_version for e in events] == list(range(1, stored.version + 1))
        assert events[-1].order == stored.to_record()
        assert stored.payment_due == order.payment_due  # the deadline never moves


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 5))
def test_pay_and_expire_racing_at_the_deadline_have_exactly_one_winner(extra: int) -> None:
    clock = ManualClock()
    store = InMemoryOrderRepository()
    service = UseCases(store, clock=clock)
    order = service.place(ALICE, currency="EUR", lines=LINES)
    assert order.payment_due is not None
    clock.set(order.payment_due + timedelta(seconds=extra))
    start = threading.Barrier(2)
    results: dict[str, bool | None] = {}

    def race(operation: str) -> None:
        start.wait()
        results[operation] = _run(service, operation, order.id)

    threads = [threading.Thread(target=race, args=(op,)) for op in ("pay", "expire")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stored = store.get(order.id)
    assert len(store.events_for(order.id)) == 2
    if stored.status is OrderStatus.PAID:
        assert results == {"pay": True, "expire": False}
    else:
        assert stored.status is OrderStatus.CANCELLED
        assert results == {"pay": None, "expire": True}
