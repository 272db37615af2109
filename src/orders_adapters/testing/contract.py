"""The store contract: the tests every ``OrderRepository`` passes, public so that a store
written outside this project (Postgres, a key-value service, ...) is held to the same rules
as the memory, SQLite and DynamoDB stores, which run this very suite.

To run it against your store, subclass :class:`OrderRepositoryContract` in a test module and
give the class a ``contract_store`` fixture returning a fresh, empty store (a store that also
implements ``orders_core.ExpiryIndex`` subclasses :class:`ExpiryIndexContract` too)::

    import pytest
    from orders_adapters.testing.contract import OrderRepositoryContract

    class TestMyStore(OrderRepositoryContract):
        @pytest.fixture
        def contract_store(self, tmp_path):
            return MyStore(tmp_path / "db")

pytest then collects every ``test_*`` method here for ``TestMyStore``. The store must
implement ``orders_core.OrderRepository`` and ``orders_core.EventLog`` (``all_events``); what
each test checks is the port's docstring, clause by clause. Faults of the store's own
storage (``StoreUnavailable``, ``StoreError``) can only be made store by store, so they are
not here: test them for your store as tests/contract/test_store_faults.py does for the
project's three.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Protocol

import pytest

from orders_core import (
    MAX_DUE_BATCH,
    MAX_PAGE_SIZE,
    CancelReason,
    CustomerId,
    EventLog,
    EventType,
    ExpiryIndex,
    IllegalTransition,
    InvalidCursor,
    InvalidInput,
    NewLine,
    Order,
    OrderAlreadyExists,
    OrderEvent,
    OrderId,
    OrderNotFound,
    OrderRepository,
    OrderStatus,
    Principal,
    VersionConflict,
)
from orders_core.testing import (
    EPOCH,
    ManualClock,
    OrderBuilder,
    UseCases,
    line,
    placed_order,
)


class ContractStore(OrderRepository, EventLog, Protocol):
    """What the suite needs of a store: the port and its event log."""


class ExpiryContractStore(ContractStore, ExpiryIndex, Protocol):
    """What :class:`ExpiryIndexContract` needs: a contract store with the expiry index."""


def _add(
    store: ContractStore, order_id: str, customer: str = "customer-1", minute: int = 0
) -> Order:
    order, event = placed_order(order_id, customer, at=EPOCH + timedelta(minutes=minute))
    store.add(order, [event])
    return order


def _walk(
    store: ContractStore, customer: str, limit: int, status: OrderStatus | None = None
) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = store.list_for_customer(
            CustomerId(customer), limit=limit, cursor=cursor, status=status
        )
        assert len(page.items) <= limit
        seen += [o.id for o in page.items]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def _first_cursor(store: ContractStore) -> str:
    for minute in range(3):
        _add(store, f"order-{minute}", "customer-1", minute)
    cursor = store.list_for_customer(CustomerId("customer-1"), limit=1).next_cursor
    assert cursor is not None
    return cursor


class OrderRepositoryContract:
    """The contract as tests; subclass it (named ``Test...``) with a ``contract_store``
    fixture. Its name does not start with ``Test``, so importing it collects nothing."""

    def test_an_added_order_reads_back_with_the_same_state(
        self, contract_store: ContractStore
    ) -> None:
        order = _add(contract_store, "order-1")
        assert contract_store.get(OrderId("order-1")).same_state(order)

    def test_a_missing_order_is_not_found(self, contract_store: ContractStore) -> None:
        with pytest.raises(OrderNotFound):
            contract_store.get(OrderId("nope"))

    def test_adding_an_existing_id_fails_and_stores_nothing_more(
        self, contract_store: ContractStore
    ) -> None:
        _add(contract_store, "order-1")
        twin, event = placed_order("order-1", "customer-2")
        with pytest.raises(OrderAlreadyExists):
            contract_store.add(twin, [event])
        assert contract_store.get(OrderId("order-1")).customer_id == "customer-1"
        assert len(contract_store.events_for(OrderId("order-1"))) == 1

    def test_changing_a_returned_order_changes_nothing_stored(
        self, contract_store: ContractStore
    ) -> None:
        _add(contract_store, "order-1")
        copy = contract_store.get(OrderId("order-1"))
        copy.cancel(at=EPOCH + timedelta(minutes=1))
        assert contract_store.get(OrderId("order-1")).status is OrderStatus.PENDING

    def test_changing_an_event_given_or_returned_changes_nothing_stored(
        self, contract_store: ContractStore
    ) -> None:
        order, placed = placed_order("order-1")
        contract_store.add(order, [placed])
        placed.order["lines"].clear()
        [returned] = contract_store.events_for(order.id)
        returned.order["lines"].append({"sku": "FORGED"})
        [stored] = contract_store.events_for(order.id)
        assert stored.order["lines"] == order.to_record()["lines"]
        assert contract_store.get(order.id).same_state(order)

    def test_a_save_at_the_expected_version_replaces_the_order_and_stores_its_event(
        self,
        contract_store: ContractStore,
    ) -> None:
        order = _add(contract_store, "order-1")
        event = order.mark_paid(at=EPOCH + timedelta(minutes=1))
        contract_store.save(order, expected_version=1, events=[event])
        stored = contract_store.get(OrderId("order-1"))
        assert (stored.status, stored.version) == (OrderStatus.PAID, 2)
        assert [e.type for e in contract_store.events_for(order.id)] == [
            EventType.ORDER_PLACED,
            EventType.ORDER_PAID,
        ]

    def test_a_save_at_a_stale_version_is_a_conflict_and_writes_nothing(
        self, contract_store: ContractStore
    ) -> None:
        order = _add(contract_store, "order-1")
        first = contract_store.get(order.id)
        second = contract_store.get(order.id)
        contract_store.save(first, expected_version=1, events=[first.mark_paid(at=EPOCH)])
        event = second.cancel(at=EPOCH)
        with pytest.raises(VersionConflict):
            contract_store.save(second, expected_version=1, events=[event])
        assert contract_store.get(order.id).status is OrderStatus.PAID
        assert len(contract_store.events_for(order.id)) == 2

    def test_saving_a_missing_order_is_not_found(self, contract_store: ContractStore) -> None:
        order, _ = placed_order("ghost")
        event = order.cancel(at=EPOCH)
        with pytest.raises(OrderNotFound):
            contract_store.save(order, expected_version=1, events=[event])
        assert contract_store.events_for(order.id) == []

    def test_a_delete_removes_the_order_and_keeps_its_events(
        self, contract_store: ContractStore
    ) -> None:
        order = _add(contract_store, "order-1")
        event = order.delete(at=EPOCH + timedelta(minutes=1))
        contract_store.delete(order.id, expected_version=1, events=[event])
        with pytest.raises(OrderNotFound):
            contract_store.get(order.id)
        assert [e.type for e in contract_store.events_for(order.id)][-1] is EventType.ORDER_DELETED
        assert _walk(contract_store, "customer-1", 10) == []

    def test_a_deleted_orders_id_never_carries_a_new_order(
        self, contract_store: ContractStore
    ) -> None:
        order = _add(contract_store, "order-1")
        contract_store.delete(
            order.id, expected_version=1, events=[order.delete(at=EPOCH + timedelta(minutes=1))]
        )
        again, placed_again = placed_order("order-1", "customer-2")
        with pytest.raises(OrderAlreadyExists):
            contract_store.add(again, [placed_again])
        with pytest.raises(OrderNotFound):
            contract_store.get(order.id)
        assert _walk(contract_store, "customer-1", 10) == []
        assert _walk(contract_store, "customer-2", 10) == []
        assert [e.type for e in contract_store.events_for(order.id)] == [
            EventType.ORDER_PLACED,
            EventType.ORDER_DELETED,
        ]
        event_ids = [e.event_id for e in contract_store.all_events()]
        assert len(event_ids) == len(set(event_ids)) == 2

    def test_a_deleted_order_is_not_found_to_a_writer_at_any_version(
        self, contract_store: ContractStore
    ) -> None:
        order = _add(contract_store, "order-1")
        # A writer that read the order before the delete, one version on and two versions on.
        one_on = contract_store.get(order.id)
        one_on.cancel(at=EPOCH)
        two_on = contract_store.get(order.id)
        two_on.replace_lines([line("B-2")], at=EPOCH)
        two_on_event = two_on.cancel(at=EPOCH)
        contract_store.delete(order.id, expected_version=1, events=[order.delete(at=EPOCH)])
        with pytest.raises(OrderNotFound):
            contract_store.save(two_on, expected_version=2, events=[two_on_event])
        with pytest.raises(OrderNotFound):
            contract_store.delete(order.id, expected_version=2, events=[one_on.delete(at=EPOCH)])
        with pytest.raises(OrderNotFound):
            contract_store.get(order.id)
        assert len(contract_store.events_for(order.id)) == 2

    def test_a_write_carrying_an_event_of_another_version_is_refused_and_writes_nothing(
        self,
        contract_store: ContractStore,
    ) -> None:
        # Replaying the placement's event with a later change would store one event twice (on
        # DynamoDB, overwrite the outbox item already streamed).
        order, placed = placed_order("order-1")
        contract_store.add(order, [placed])
        order.mark_paid(at=EPOCH + timedelta(minutes=1))
        with pytest.raises(ValueError, match="version"):
            contract_store.save(order, expected_version=1, events=[placed])
        deleted = contract_store.get(order.id).delete(at=EPOCH)
        with pytest.raises(ValueError, match="version"):
            contract_store.delete(order.id, expected_version=1, events=[placed, deleted])
        assert contract_store.get(order.id).status is OrderStatus.PENDING
        assert contract_store.events_for(order.id) == [placed]

    def test_a_delete_at_a_stale_version_is_a_conflict_and_keeps_the_order(
        self,
        contract_store: ContractStore,
    ) -> None:
        order = _add(contract_store, "order-1")
        stale = contract_store.get(order.id)
        contract_store.save(order, expected_version=1, events=[order.cancel(at=EPOCH)])
        # The stale reader's delete is well formed (its event is at the version it would write).
        with pytest.raises(VersionConflict):
            contract_store.delete(stale.id, expected_version=1, events=[stale.delete(at=EPOCH)])
        assert contract_store.get(order.id).version == 2
        assert len(contract_store.events_for(order.id)) == 2

    def test_writes_carrying_another_orders_events_are_refused_and_change_nothing(
        self,
        contract_store: ContractStore,
    ) -> None:
        order = _add(contract_store, "order-1")
        other = _add(contract_store, "order-2")
        foreign = other.cancel(at=EPOCH + timedelta(minutes=1))
        order.mark_paid(at=EPOCH + timedelta(minutes=1))
        with pytest.raises(ValueError, match="belong"):
            contract_store.save(order, expected_version=1, events=[foreign])
        with pytest.raises(ValueError, match="belong"):
            contract_store.delete(order.id, expected_version=1, events=[foreign])
        assert contract_store.get(order.id).status is OrderStatus.PENDING
        assert [len(contract_store.events_for(o.id)) for o in (order, other)] == [1, 1]

    def test_deleting_a_missing_order_is_not_found(self, contract_store: ContractStore) -> None:
        order, _ = placed_order("ghost")
        with pytest.raises(OrderNotFound):
            contract_store.delete(order.id, expected_version=1, events=[order.delete(at=EPOCH)])

    def test_stored_events_round_trip_exactly(self, contract_store: ContractStore) -> None:
        order, placed = placed_order(
            "order-1", lines=(line("A-1", 2, "3.50"), line("B-2", 1, "0.99"))
        )
        contract_store.add(order, [placed])
        paid = order.mark_paid(at=EPOCH + timedelta(seconds=5))
        contract_store.save(order, expected_version=1, events=[paid])
        assert contract_store.events_for(order.id) == [placed, paid]
        assert {e.event_id for e in contract_store.all_events()} >= {placed.event_id, paid.event_id}

    def test_a_customer_list_is_newest_first_and_only_that_customers(
        self, contract_store: ContractStore
    ) -> None:
        for minute in range(5):
            _add(contract_store, f"mine-{minute}", "customer-1", minute)
            _add(contract_store, f"theirs-{minute}", "customer-2", minute)
        page = contract_store.list_for_customer(CustomerId("customer-1"), limit=10)
        assert [o.id for o in page.items] == [f"mine-{m}" for m in reversed(range(5))]
        assert page.next_cursor is None

    def test_orders_placed_at_the_same_moment_are_ordered_by_id(
        self, contract_store: ContractStore
    ) -> None:
        for suffix in "bca":
            _add(contract_store, f"order-{suffix}")
        assert _walk(contract_store, "customer-1", 1) == ["order-c", "order-b", "order-a"]

    @pytest.mark.parametrize("limit", [1, 2, 3, 7, 25])
    def test_a_cursor_walk_returns_every_order_once_in_order(
        self, contract_store: ContractStore, limit: int
    ) -> None:
        ids = [f"order-{n:02d}" for n in range(23)]
        for minute, order_id in enumerate(ids):
            _add(contract_store, order_id, minute=minute)
        assert _walk(contract_store, "customer-1", limit) == list(reversed(ids))

    def test_a_status_filter_returns_only_that_status_across_pages(
        self, contract_store: ContractStore
    ) -> None:
        for n in range(12):
            order = _add(contract_store, f"order-{n:02d}", minute=n)
            if n % 3 == 0:
                contract_store.save(order, expected_version=1, events=[order.mark_paid(at=EPOCH)])
        paid = _walk(contract_store, "customer-1", 2, OrderStatus.PAID)
        assert paid == ["order-09", "order-06", "order-03", "order-00"]
        assert len(_walk(contract_store, "customer-1", 5, OrderStatus.PENDING)) == 8

    def test_a_customer_without_orders_gets_an_empty_last_page(
        self, contract_store: ContractStore
    ) -> None:
        page = contract_store.list_for_customer(CustomerId("nobody"), limit=5)
        assert page.items == ()
        assert page.next_cursor is None

    @pytest.mark.parametrize("limit", [0, -1, MAX_PAGE_SIZE + 1])
    def test_a_limit_out_of_range_is_invalid_input(
        self, contract_store: ContractStore, limit: int
    ) -> None:
        with pytest.raises(InvalidInput):
            contract_store.list_for_customer(CustomerId("customer-1"), limit=limit)

    def test_a_cursor_is_rejected_for_another_customer(self, contract_store: ContractStore) -> None:
        cursor = _first_cursor(contract_store)
        with pytest.raises(InvalidCursor):
            contract_store.list_for_customer(CustomerId("customer-2"), limit=1, cursor=cursor)

    def test_a_cursor_is_rejected_for_another_status_filter(
        self, contract_store: ContractStore
    ) -> None:
        cursor = _first_cursor(contract_store)
        with pytest.raises(InvalidCursor):
            contract_store.list_for_customer(
                CustomerId("customer-1"), limit=1, cursor=cursor, status=OrderStatus.PAID
            )

    @pytest.mark.parametrize(
        "tamper",
        [
            lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),
            lambda c: ("x" if c[0] != "x" else "y") + c[1:],
            lambda c: c.split(".")[0],
            lambda c: "",
            lambda c: "not-a-cursor",
            lambda c: c + c,
            lambda c: "é" * 10,
        ],
        ids=["signature", "body", "unsigned", "empty", "garbage", "doubled", "non-ascii"],
    )
    def test_a_tampered_cursor_is_invalid(
        self, contract_store: ContractStore, tamper: Callable[[str], str]
    ) -> None:
        cursor = _first_cursor(contract_store)
        with pytest.raises(InvalidCursor):
            contract_store.list_for_customer(
                CustomerId("customer-1"), limit=1, cursor=tamper(cursor)
            )

    # -- the event log ------------------------------------------------------------------------

    def test_all_events_lists_every_event_once_by_time_then_order_then_version(
        self, contract_store: ContractStore
    ) -> None:
        # Written out of time order, across orders, with two events at one moment.
        late = OrderBuilder(order_id="late", at=EPOCH + timedelta(hours=1)).paid()
        early = OrderBuilder(order_id="early", at=EPOCH).paid().shipped()
        tied = OrderBuilder(order_id="at-noon", at=EPOCH)
        for builder in (late, early, tied):
            builder.store_in(contract_store)
        listed = [(e.order_id, e.order_version) for e in contract_store.all_events()]
        assert listed == [
            ("at-noon", 1),
            ("early", 1),
            ("early", 2),
            ("early", 3),
            ("late", 1),
            ("late", 2),
        ]

    def test_all_events_keeps_a_deleted_orders_events(self, contract_store: ContractStore) -> None:
        order = _add(contract_store, "order-1")
        deleted = order.delete(at=EPOCH + timedelta(minutes=1))
        contract_store.delete(order.id, expected_version=1, events=[deleted])
        assert [e.type for e in contract_store.all_events()] == [
            EventType.ORDER_PLACED,
            EventType.ORDER_DELETED,
        ]

    def test_an_empty_store_has_no_events(self, contract_store: ContractStore) -> None:
        assert contract_store.all_events() == []

    # -- writers racing -----------------------------------------------------------------------

    def test_threads_racing_to_change_one_order_have_one_winner_per_version(
        self, contract_store: ContractStore
    ) -> None:
        _add(contract_store, "contended")
        writers, attempts = 6, 8

        def write(writer: int) -> list[int]:
            won: list[int] = []
            for attempt in range(attempts):
                order = contract_store.get(OrderId("contended"))
                version = order.version
                sku = f"W{writer}-{attempt}"
                event = order.replace_lines([line(sku)], at=EPOCH)
                try:
                    contract_store.save(order, expected_version=version, events=[event])
                except VersionConflict:
                    continue
                won.append(version + 1)
            return won

        with ThreadPoolExecutor(writers) as pool:
            wins = sorted(v for per_writer in pool.map(write, range(writers)) for v in per_writer)
        assert wins == list(range(2, len(wins) + 2))
        stored = contract_store.get(OrderId("contended"))
        assert stored.version == len(wins) + 1
        events = contract_store.events_for(stored.id)
        assert [e.order_version for e in events] == list(range(1, len(wins) + 2))
        # No lost update: the stored lines are those of the last event's snapshot.
        assert events[-1].order["lines"] == stored.to_record()["lines"]

    # -- the use cases on this store ----------------------------------------------------------

    def test_the_use_cases_run_a_whole_lifecycle_on_the_store(
        self, contract_store: ContractStore
    ) -> None:
        service = UseCases(contract_store)
        alice, staff = Principal.customer("alice"), Principal.staff("staff:contract")
        order = service.place(alice, currency="EUR", lines=[NewLine("BOOK-1", 2, "12.50")])
        for step in (service.mark_paid, service.mark_shipped, service.mark_delivered):
            assert step(staff, order.id).changed
        assert not service.mark_paid(staff, order.id).changed
        with pytest.raises(IllegalTransition):
            service.cancel(alice, order.id)
        assert [o.status for o in service.list_orders(alice).items] == [OrderStatus.DELIVERED]
        assert [e.type for e in contract_store.events_for(order.id)] == [
            EventType.ORDER_PLACED,
            EventType.ORDER_PAID,
            EventType.ORDER_SHIPPED,
            EventType.ORDER_DELIVERED,
        ]


def _due(store: ExpiryContractStore, order_id: str, minute: int, *, placed: int = 0) -> Order:
    """An order placed at EPOCH + ``placed`` minutes, due at EPOCH + ``minute`` minutes."""
    order, event = placed_order(
        order_id,
        at=EPOCH + timedelta(minutes=placed),
        payment_due=EPOCH + timedelta(minutes=minute),
    )
    store.add(order, [event])
    return order


def _due_by(store: ExpiryContractStore, minute: float, limit: int = 100) -> list[str]:
    return list(store.due_for_expiry(EPOCH + timedelta(minutes=minute), limit=limit))


class ExpiryIndexContract:
    """``orders_core.ExpiryIndex`` as tests, for a store that implements it; subclass it with
    a ``contract_store`` fixture as for :class:`OrderRepositoryContract`."""

    def test_orders_due_by_a_time_are_listed_earliest_deadline_first(
        self, contract_store: ExpiryContractStore
    ) -> None:
        _due(contract_store, "late", 30)
        _due(contract_store, "early", 10)
        _due(contract_store, "later-still", 60)
        _due(contract_store, "same-time-b", 20)
        _due(contract_store, "same-time-a", 20)

        assert _due_by(contract_store, 30) == ["early", "same-time-a", "same-time-b", "late"]
        assert _due_by(contract_store, 29.99) == ["early", "same-time-a", "same-time-b"]
        assert _due_by(contract_store, 9) == []

    def test_the_limit_takes_the_earliest_and_is_bounded(
        self, contract_store: ExpiryContractStore
    ) -> None:
        for minute in (5, 3, 4, 1, 2):
            _due(contract_store, f"order-{minute}", minute)

        assert _due_by(contract_store, 10, limit=2) == ["order-1", "order-2"]
        for bad in (0, MAX_DUE_BATCH + 1):
            with pytest.raises(InvalidInput):
                contract_store.due_for_expiry(EPOCH, limit=bad)

    def test_orders_without_a_deadline_are_never_due(
        self, contract_store: ExpiryContractStore
    ) -> None:
        _add(contract_store, "no-deadline")
        _due(contract_store, "with-deadline", 1)

        assert _due_by(contract_store, 60 * 24 * 365) == ["with-deadline"]

    def test_an_order_leaves_the_index_when_paid_cancelled_deleted_or_expired(
        self, contract_store: ExpiryContractStore
    ) -> None:
        for name in ("paid", "cancelled", "deleted", "expired", "updated", "kept"):
            _due(contract_store, name, 1)
        at = EPOCH + timedelta(minutes=2)
        changes: dict[str, Callable[[Order], OrderEvent]] = {
            "paid": lambda o: o.mark_paid(at=at),
            "cancelled": lambda o: o.cancel(at=at),
            "expired": lambda o: o.expire(at=at),
            "updated": lambda o: o.replace_lines([line("NEW-1")], at=at),
        }
        for name, change in changes.items():
            order = contract_store.get(OrderId(name))
            event = change(order)
            contract_store.save(order, expected_version=1, events=[event])
        deleted = contract_store.get(OrderId("deleted"))
        contract_store.delete(deleted.id, expected_version=1, events=[deleted.delete(at=at)])

        # Still PENDING after new lines: still due, at the deadline it was placed with.
        assert _due_by(contract_store, 5) == ["kept", "updated"]

    def test_a_deadline_round_trips_and_an_order_keeps_it_after_it_is_paid(
        self, contract_store: ExpiryContractStore
    ) -> None:
        placed = _due(contract_store, "order-1", 30)
        stored = contract_store.get(OrderId("order-1"))
        assert stored.payment_due == EPOCH + timedelta(minutes=30)
        assert stored.same_state(placed)
        event = stored.mark_paid(at=EPOCH + timedelta(minutes=1))
        contract_store.save(stored, expected_version=1, events=[event])
        assert contract_store.get(OrderId("order-1")).payment_due == placed.payment_due

    def test_expire_order_lets_only_the_due_unpaid_orders_go(
        self, contract_store: ExpiryContractStore
    ) -> None:
        clock = ManualClock()
        service = UseCases(contract_store, clock=clock)
        alice, staff = Principal.customer("alice"), Principal.staff("staff:contract")
        lines = [NewLine("BOOK-1", 1, "5.00")]
        unpaid = service.place(alice, currency="EUR", lines=lines)
        paid = service.place(alice, currency="EUR", lines=lines)
        service.mark_paid(staff, paid.id)
        assert unpaid.payment_due == EPOCH + timedelta(minutes=30)
        clock.advance(timedelta(minutes=29))
        assert list(contract_store.due_for_expiry(clock.peek(), limit=10)) == []
        clock.advance(timedelta(minutes=1))

        due = contract_store.due_for_expiry(clock.peek(), limit=10)
        assert due == [unpaid.id]
        assert [service.expire(staff, order_id).changed for order_id in due] == [True]
        assert not service.expire(staff, unpaid.id).changed
        assert not service.expire(staff, paid.id).changed
        assert contract_store.due_for_expiry(clock.peek(), limit=10) == []
        cancelled = contract_store.events_for(unpaid.id)[-1]
        assert (cancelled.type, cancelled.reason) == (
            EventType.ORDER_CANCELLED,
            CancelReason.PAYMENT_DEADLINE,
        )
        assert contract_store.get(paid.id).status is OrderStatus.PAID
