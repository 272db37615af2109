"""The use cases driven at random against each store, checked against a model of every order.

Several customers and a staff principal place, read, list, update, cancel, delete and mark
orders, including other customers' orders and stale versions. After every step the store must
agree with the model: status, version and state of each order, one stored event per change
with deterministic ids, a cursor walk of each customer's orders newest first, and nothing
changed or revealed by an attempt the rules refuse.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

from orders_adapters.memory import InMemoryOrderRepository
from orders_adapters.sqlite import SqliteOrderRepository
from orders_core import (
    CustomerTier,
    Discount,
    EventType,
    FixedDiscounts,
    IllegalTransition,
    InvalidCursor,
    NewLine,
    Order,
    OrderId,
    OrderNotFound,
    OrderStatus,
    PermissionDenied,
    Principal,
    Transition,
    VersionConflict,
)
from orders_core.order import ALLOWED_TRANSITIONS, DELETABLE, event_id_for
from tests.support.service import ALICE, BOB, STAFF, EventedStore, Service

CURSOR_KEY = b"lifecycle-machine-cursor-key-0123"
CAROL = Principal.customer("carol", CustomerTier.PREMIUM)
CUSTOMERS = (ALICE, BOB, CAROL)
MAX_ORDERS = 6
PRINCIPALS = (*CUSTOMERS, STAFF)
CANCELLABLE = frozenset(
    s for s, targets in ALLOWED_TRANSITIONS.items() if OrderStatus.CANCELLED in targets
)
FORWARD = (OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
MARK_EVENTS = {
    OrderStatus.PAID: EventType.ORDER_PAID,
    OrderStatus.SHIPPED: EventType.ORDER_SHIPPED,
    OrderStatus.DELIVERED: EventType.ORDER_DELIVERED,
}

_R = TypeVar("_R")
Errors = tuple[type[Exception], ...]


@dataclass
class Expected:
    """What the model says about one order."""

    owner: str
    status: OrderStatus
    record: dict[str, Any]
    events: list[EventType]
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False

    @property
    def version(self) -> int:
        return len(self.events)

    def changed(self, event: EventType, order: Order | None) -> None:
        self.events.append(event)
        if order is None:
            self.deleted = True
            return
        assert order.version == self.version
        self.status = order.status
        self.record = order.to_record()
        self.snapshots.append(self.record)


# Weighted towards changes that succeed, so runs reach every status and higher versions.
versions = st.sampled_from(["current", "current", "stale", "ahead"])
optional_versions = st.sampled_from(["none", "current", "current", "stale", "ahead"])
# Who acts, relative to the order: mostly its owner or staff, sometimes another customer.
acting = st.sampled_from(["owner", "owner", "staff", "stranger"])
marking = st.sampled_from(["staff", "staff", "staff", "owner", "stranger"])
principals = st.sampled_from(PRINCIPALS)
# Line validation has its own tests; the machine needs valid lines, cheaply.
lines = st.lists(
    st.builds(
        NewLine,
        sku=st.sampled_from(["SKU-1", "SKU-2", "SKU-3", "SKU-4"]),
        quantity=st.integers(1, 5),
        unit_price=st.sampled_from(["0.01", "0.35", "9.99", "120.00"]),
    ),
    min_size=1,
    max_size=3,
    unique_by=lambda ln: ln.sku,
)


class OrderLifecycle(RuleBasedStateMachine):
    orders = Bundle("orders")

    def make_store(self) -> EventedStore:
        raise NotImplementedError

    def __init__(self) -> None:
        super().__init__()
        self.store = self.make_store()
        self.svc = Service(self.store, pricing=FixedDiscounts(premium=Decimal(10)))
        self.model: dict[OrderId, Expected] = {}
        self.placed: list[OrderId] = []

    # -- helpers ---------------------------------------------------------------------------

    def principal_for(self, who: str, order_id: OrderId) -> Principal:
        owner = self.model[order_id].owner
        if who == "staff":
            return STAFF
        return next(c for c in CUSTOMERS if (c.id == owner) is (who == "owner"))

    def visible(self, principal: Principal, order_id: OrderId) -> bool:
        expected = self.model[order_id]
        return not expected.deleted and (principal.is_staff or principal.id == expected.owner)

    def version_for(self, order_id: OrderId, choice: str) -> int | None:
        current = self.model[order_id].version
        return {"none": None, "current": current, "stale": current - 1, "ahead": current + 1}[
            choice
        ]

    @staticmethod
    def attempt(call: Callable[[], _R], refused: Errors) -> _R | None:
        """Run ``call``; when the model expects a refusal, it must raise one of ``refused``."""
        if not refused:
            return call()
        with pytest.raises(refused):
            call()
        return None

    def change(
        self, order_id: OrderId, event: EventType, call: Callable[[], Order], refused: Errors
    ) -> None:
        """Attempt a change of ``order_id``; when it succeeds, the model records ``event``."""
        order = self.attempt(call, refused)
        if order is not None:
            self.model[order_id].changed(event, order)

    def status_change_refusals(
        self,
        principal: Principal,
        order_id: OrderId,
        version: int | None,
        allowed: frozenset[OrderStatus],
    ) -> Errors:
        if not self.visible(principal, order_id):
            return (OrderNotFound,)
        expected = self.model[order_id]
        refusals: Errors = ()
        if version is not None and version != expected.version:
            refusals += (VersionConflict,)
        if expected.status not in allowed:
            refusals += (IllegalTransition,)
        return refusals

    # -- rules -----------------------------------------------------------------------------

    # Few orders per run, so the steps go into their lifecycles rather than new orders.
    @precondition(lambda self: len(self.placed) < MAX_ORDERS)
    @rule(target=orders, customer=st.sampled_from(CUSTOMERS), new=lines)
    def place(self, customer: Principal, new: list[NewLine]) -> OrderId:
        order = self.svc.place(customer, currency="EUR", lines=new)
        assert order.discounts == ((Discount("premium", Decimal(10)),) if customer is CAROL else ())
        self.model[order.id] = Expected(
            customer.id,
            order.status,
            order.to_record(),
            [EventType.ORDER_PLACED],
            [order.to_record()],
        )
        self.placed.append(order.id)
        return order.id

    @rule(who=acting, order_id=orders)
    def get(self, who: str, order_id: OrderId) -> None:
        principal = self.principal_for(who, order_id)
        refused: Errors = () if self.visible(principal, order_id) else (OrderNotFound,)
        order = self.attempt(lambda: self.svc.get(principal, order_id), refused)
        if order is not None:
            assert order.to_record() == self.model[order_id].record

    @rule(who=acting, order_id=orders, choice=versions, new=lines)
    def update(self, who: str, order_id: OrderId, choice: str, new: list[NewLine]) -> None:
        principal = self.principal_for(who, order_id)
        version = self.version_for(order_id, choice)
        assert version is not None
        refused = self.status_change_refusals(
            principal, order_id, version, frozenset({OrderStatus.PENDING})
        )
        self.change(
            order_id,
            EventType.ORDER_UPDATED,
            lambda: self.svc.update(principal, order_id, expected_version=version, lines=new),
            refused,
        )

    @rule(who=acting, order_id=orders, choice=optional_versions)
    def cancel(self, who: str, order_id: OrderId, choice: str) -> None:
        principal = self.principal_for(who, order_id)
        version = self.version_for(order_id, choice)
        refused = self.status_change_refusals(principal, order_id, version, CANCELLABLE)
        self.change(
            order_id,
            EventType.ORDER_CANCELLED,
            lambda: self.svc.cancel(principal, order_id, expected_version=version),
            refused,
        )

    @rule(who=acting, order_id=orders, choice=optional_versions)
    def delete(self, who: str, order_id: OrderId, choice: str) -> None:
        principal = self.principal_for(who, order_id)
        version = self.version_for(order_id, choice)
        refused = self.status_change_refusals(principal, order_id, version, DELETABLE)
        if not refused:
            self.svc.delete(principal, order_id, expected_version=version)
            self.model[order_id].changed(EventType.ORDER_DELETED, None)
            return
        self.attempt(
            lambda: self.svc.delete(principal, order_id, expected_version=version), refused
        )

    @rule(who=marking, order_id=orders)
    def advance(self, who: str, order_id: OrderId) -> None:
        """Mark the next status on the forward path, as the matching event would."""
        status = self.model[order_id].status
        following = FORWARD[FORWARD.index(status) + 1 :] if status in FORWARD else ()
        self.mark(who, order_id, following[0] if following else OrderStatus.DELIVERED)

    @rule(who=marking, order_id=orders, reached=st.sampled_from(list(MARK_EVENTS)))
    def mark(self, who: str, order_id: OrderId, reached: OrderStatus) -> None:
        principal = self.principal_for(who, order_id)
        use_case = {
            OrderStatus.PAID: self.svc.mark_paid,
            OrderStatus.SHIPPED: self.svc.mark_shipped,
            OrderStatus.DELIVERED: self.svc.mark_delivered,
        }[reached]
        expected = self.model[order_id]
        refused: Errors = ()
        if not principal.is_staff:
            refused = (PermissionDenied,)
        elif expected.deleted:
            refused = (OrderNotFound,)
        elif expected.status not in FORWARD or (
            FORWARD.index(expected.status) < FORWARD.index(reached)
            and reached not in ALLOWED_TRANSITIONS[expected.status]
        ):
            refused = (IllegalTransition,)
        result: Transition | None = self.attempt(lambda: use_case(principal, order_id), refused)
        if result is None:
            return
        already = FORWARD.index(expected.status) >= FORWARD.index(reached)
        assert result.changed is not already
        if result.changed:
            expected.changed(MARK_EVENTS[reached], result.order)
        assert result.order.to_record() == expected.record

    @rule(
        principal=principals,
        customer=st.sampled_from(CUSTOMERS),
        limit=st.integers(1, 4),
        status=st.none() | st.sampled_from(OrderStatus),
    )
    def list_orders(
        self, principal: Principal, customer: Principal, limit: int, status: OrderStatus | None
    ) -> None:
        if not principal.is_staff and principal is not customer:
            page = self.svc.list_orders(principal, customer_id=customer.id, limit=limit)
            assert (page.items, page.next_cursor) == ((), None)
            return
        assert self.walk(principal, customer, limit, status) == self.newest_first(customer, status)

    @rule(limit=st.integers(1, 2))
    def reuse_a_cursor_for_another_customer(self, limit: int) -> None:
        first = self.svc.list_orders(ALICE, limit=limit)
        if first.next_cursor is None:
            return
        for who, customer, status in ((STAFF, BOB.id, None), (ALICE, ALICE.id, OrderStatus.PAID)):
            with pytest.raises(InvalidCursor):
                self.svc.list_orders(
                    who, customer_id=customer, limit=limit, cursor=first.next_cursor, status=status
                )

    # -- the model's view ------------------------------------------------------------------

    def newest_first(self, customer: Principal, status: OrderStatus | None) -> list[OrderId]:
        return [
            order_id
            for order_id in reversed(self.placed)
            if self.model[order_id].owner == customer.id
            and not self.model[order_id].deleted
            and (status is None or self.model[order_id].status is status)
        ]

    def walk(
        self,
        principal: Principal,
        customer: Principal,
        limit: int,
        status: OrderStatus | None,
        *,
        check_records: bool = True,
    ) -> list[OrderId]:
        seen: list[OrderId] = []
        cursor: str | None = None
        for _ in range(len(self.placed) + 1):
            page = self.svc.list_orders(
                principal, customer_id=customer.id, limit=limit, cursor=cursor, status=status
            )
            assert len(page.items) <= limit
            if check_records:
                for order in page.items:
                    assert order.to_record() == self.model[order.id].record
            seen.extend(o.id for o in page.items)
            cursor = page.next_cursor
            if cursor is None:
                return seen
        raise AssertionError("the cursor walk did not end")

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def every_order_is_as_the_model_says(self) -> None:
        for order_id, expected in self.model.items():
            if expected.deleted:
                with pytest.raises(OrderNotFound):
                    self.store.get(order_id)
            else:
                assert self.store.get(order_id).to_record() == expected.record

    @invariant()
    def exactly_one_event_per_change_with_strictly_increasing_versions(self) -> None:
        total = 0
        for order_id, expected in self.model.items():
            events = self.store.events_for(order_id)
            assert [e.type for e in events] == expected.events
            numbers = list(range(1, expected.version + 1))
            assert [e.order_version for e in events] == numbers
            assert [e.event_id for e in events] == [event_id_for(order_id, n) for n in numbers]
            assert [e.order for e in events[: len(expected.snapshots)]] == expected.snapshots
            assert all(e.customer_id == expected.owner for e in events)
            total += len(events)
        assert len(self.store.all_events()) == total

    @invariant()
    def a_cursor_walk_returns_each_customers_orders_once_newest_first(self) -> None:
        for customer in CUSTOMERS:
            # The stored records are checked by the invariant above; here only ids and order.
            walked = self.walk(customer, customer, 2, None, check_records=False)
            assert walked == self.newest_first(customer, None)


class InMemoryLifecycle(OrderLifecycle):
    def make_store(self) -> EventedStore:
        return InMemoryOrderRepository(cursor_key=CURSOR_KEY)


class SqliteLifecycle(OrderLifecycle):
    def make_store(self) -> EventedStore:
        self.directory = Path(tempfile.mkdtemp(prefix="orders-machine-"))
        self.sqlite = SqliteOrderRepository(
            self.directory / "orders.sqlite3", cursor_key=CURSOR_KEY
        )
        return self.sqlite

    def teardown(self) -> None:
        self.sqlite.close()
        shutil.rmtree(self.directory, ignore_errors=True)


MACHINE_SETTINGS = settings(max_examples=50, stateful_step_count=30, deadline=None)
TestInMemoryLifecycle = InMemoryLifecycle.TestCase
TestInMemoryLifecycle.settings = MACHINE_SETTINGS
TestSqliteLifecycle = SqliteLifecycle.TestCase
TestSqliteLifecycle.settings = MACHINE_SETTINGS
