from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from orders_adapters.memory import InMemoryOrderRepository
from orders_core import (
    ALLOWED_TRANSITIONS,
    MAX_PAGE_SIZE,
    CustomerTier,
    Discount,
    EventType,
    FixedDiscounts,
    IllegalTransition,
    InvalidCursor,
    InvalidInput,
    Money,
    NewLine,
    Order,
    OrderEvent,
    OrderId,
    OrderNotFound,
    OrderStatus,
    PaymentMismatch,
    PermissionDenied,
    Principal,
    VersionConflict,
)
from orders_core.order import MAX_LINES
from orders_core.testing import OrderBuilder, lifecycle_paths
from tests.support.service import ALICE, BOB, STAFF, Service, a_line

CURSOR_KEY = b"unit-tests-cursor-key-0123456789"


@pytest.fixture
def store() -> InMemoryOrderRepository:
    return InMemoryOrderRepository(cursor_key=CURSOR_KEY)


@pytest.fixture
def svc(store: InMemoryOrderRepository) -> Service:
    return Service(store)


def place(svc: Service, who: Principal = ALICE, *lines: NewLine) -> Order:
    return svc.place(who, currency="EUR", lines=list(lines) or [a_line()])


def event_types(svc: Service, order: Order) -> list[EventType]:
    return [e.type for e in svc.store.events_for(order.id)]


def stored_record(svc: Service, order: Order) -> dict[str, Any]:
    return svc.store.get(order.id).to_record()


# -- place --------------------------------------------------------------------------------


def test_a_customer_places_a_pending_order_stored_with_its_event(svc: Service) -> None:
    order = place(svc, ALICE, a_line("SKU-1", 2, "5.00"), a_line("SKU-2", 1, "0.99"))
    assert (order.status, order.version, order.customer_id) == (OrderStatus.PENDING, 1, "alice")
    assert order.total == Money.of("10.99", "EUR")
    assert stored_record(svc, order) == order.to_record()
    assert event_types(svc, order) == [EventType.ORDER_PLACED]


def test_staff_cannot_place_an_order(svc: Service) -> None:
    with pytest.raises(PermissionDenied):
        place(svc, STAFF)
    assert svc.store.all_events() == []


def test_placing_names_every_bad_line_field(svc: Service) -> None:
    bad_price: Any = 1.5
    lines = [a_line("SKU-1"), NewLine("bad sku", 0, "1.00"), NewLine("SKU-3", 1, bad_price)]
    with pytest.raises(InvalidInput) as caught:
        svc.place(ALICE, currency="EUR", lines=lines)
    assert set(caught.value.fields) == {
        "lines[1].sku",
        "lines[1].quantity",
        "lines[2].unit_price",
    }
    assert svc.store.all_events() == []


def test_placing_refuses_too_many_or_no_lines_and_unknown_currencies(svc: Service) -> None:
    too_many = [a_line(f"SKU-{i}") for i in range(MAX_LINES + 1)]
    for currency, lines in (("EUR", too_many), ("EUR", []), ("XXX", [a_line()])):
        with pytest.raises(InvalidInput):
            svc.place(ALICE, currency=currency, lines=lines)


def test_placing_refuses_a_price_with_more_decimals_than_the_currency(svc: Service) -> None:
    with pytest.raises(InvalidInput) as caught:
        svc.place(ALICE, currency="JPY", lines=[a_line(price="10.5")])
    assert "lines[0].unit_price" in caught.value.fields


def test_a_premium_customer_gets_the_premium_and_campaign_discounts(
    store: InMemoryOrderRepository,
) -> None:
    svc = Service(store, pricing=FixedDiscounts(premium=Decimal(10), campaign=Decimal(5)))
    premium = Principal.customer("carol", CustomerTier.PREMIUM)
    order = place(svc, premium, a_line(price="100.00"))
    assert {d.code for d in order.discounts} == {"premium", "campaign"}
    assert order.total == Money.of("85.00", "EUR")
    standard = place(svc, ALICE, a_line(price="100.00"))
    assert standard.discounts == (Discount("campaign", Decimal(5)),)
    assert standard.total == Money.of("95.00", "EUR")


def test_discounts_from_the_pricing_policy_are_capped_at_half(
    store: InMemoryOrderRepository,
) -> None:
    svc = Service(store, pricing=FixedDiscounts(premium=Decimal(45), campaign=Decimal(45)))
    order = place(svc, Principal.customer("carol", CustomerTier.PREMIUM), a_line(price="9.99"))
    assert order.discount == Money.of("5.00", "EUR")  # 4.995 rounds half-even to 5.00
    assert order.total == Money.of("4.99", "EUR")


# -- get ----------------------------------------------------------------------------------


def test_a_customer_reads_its_own_order_and_staff_read_any(svc: Service) -> None:
    order = place(svc)
    assert svc.get(ALICE, order.id).same_state(order)
    assert svc.get(STAFF, order.id).same_state(order)


def test_another_customers_order_is_not_found(svc: Service) -> None:
    order = place(svc, ALICE)
    with pytest.raises(OrderNotFound):
        svc.get(BOB, order.id)


def test_a_missing_order_is_not_found_and_a_malformed_id_is_invalid(svc: Service) -> None:
    with pytest.raises(OrderNotFound):
        svc.get(ALICE, "order-404")
    with pytest.raises(InvalidInput):
        svc.get(ALICE, "not an id")


# -- list ---------------------------------------------------------------------------------


def walk(svc: Service, who: Principal, **query: Any) -> list[OrderId]:
    seen: list[OrderId] = []
    cursor: str | None = None
    while True:
        page = svc.list_orders(who, cursor=cursor, **query)
        seen.extend(o.id for o in page.items)
        cursor = page.next_cursor
        if cursor is None:
            return seen


def test_listing_returns_only_the_callers_orders_newest_first(svc: Service) -> None:
    mine = [place(svc, ALICE).id for _ in range(5)]
    place(svc, BOB)
    assert walk(svc, ALICE, limit=2) == mine[::-1]


def test_staff_list_a_named_customers_orders(svc: Service) -> None:
    mine = [place(svc, ALICE).id for _ in range(3)]
    assert walk(svc, STAFF, customer_id="alice", limit=1) == mine[::-1]
    with pytest.raises(InvalidInput):
        svc.list_orders(STAFF)


def test_a_customer_naming_another_customer_lists_nothing_as_if_none_existed(
    svc: Service,
) -> None:
    place(svc, BOB)
    assert svc.list_orders(ALICE, customer_id="bob") == svc.list_orders(ALICE, customer_id="eve")
    assert svc.list_orders(ALICE, customer_id="bob").items == ()
    assert svc.list_orders(ALICE, customer_id="bob").next_cursor is None


def test_listing_filters_by_status(svc: Service) -> None:
    first, second, third = (place(svc) for _ in range(3))
    svc.cancel(ALICE, second.id)
    assert walk(svc, ALICE, status=OrderStatus.PENDING, limit=1) == [third.id, first.id]
    assert walk(svc, ALICE, status=OrderStatus.CANCELLED) == [second.id]
    assert walk(svc, ALICE, status=OrderStatus.PAID) == []


def test_the_page_size_is_capped(svc: Service) -> None:
    for _ in range(MAX_PAGE_SIZE + 5):
        place(svc)
    page = svc.list_orders(ALICE, limit=10_000)
    assert len(page.items) == MAX_PAGE_SIZE
    assert page.next_cursor is not None
    rest = svc.list_orders(ALICE, limit=10_000, cursor=page.next_cursor)
    assert (len(rest.items), rest.next_cursor) == (5, None)


@pytest.mark.parametrize("limit", [0, -1, True, "5"])
def test_a_limit_that_is_not_a_positive_int_is_invalid(svc: Service, limit: Any) -> None:
    with pytest.raises(InvalidInput):
        svc.list_orders(ALICE, limit=limit)


def test_a_cursor_is_bound_to_the_customer_and_the_filter(svc: Service) -> None:
    for who in (ALICE, ALICE, BOB, BOB):
        place(svc, who)
    alice_cursor = svc.list_orders(ALICE, limit=1).next_cursor
    assert alice_cursor is not None
    with pytest.raises(InvalidCursor):
        svc.list_orders(BOB, limit=1, cursor=alice_cursor)
    with pytest.raises(InvalidCursor):
        svc.list_orders(ALICE, limit=1, cursor=alice_cursor, status=OrderStatus.PENDING)
    with pytest.raises(InvalidCursor):
        svc.list_orders(ALICE, limit=1, cursor=alice_cursor[:-2])


# -- update -------------------------------------------------------------------------------


def test_updating_replaces_the_lines_at_the_expected_version(svc: Service) -> None:
    order = place(svc)
    updated = svc.update(ALICE, order.id, expected_version=1, lines=[a_line("NEW-1", 3, "2.00")])
    assert updated.version == 2
    assert updated.total == Money.of("6.00", "EUR")
    assert stored_record(svc, order) == updated.to_record()
    assert event_types(svc, order) == [EventType.ORDER_PLACED, EventType.ORDER_UPDATED]


def test_updating_with_a_stale_version_is_a_conflict_and_changes_nothing(svc: Service) -> None:
    order = place(svc)
    svc.update(ALICE, order.id, expected_version=1, lines=[a_line("NEW-1")])
    before = stored_record(svc, order)
    for stale in (1, 3):
        with pytest.raises(VersionConflict):
            svc.update(ALICE, order.id, expected_version=stale, lines=[a_line("NEW-2")])
    assert stored_record(svc, order) == before
    assert len(svc.store.events_for(order.id)) == 2


def test_another_customer_cannot_update_an_order(svc: Service) -> None:
    order = place(svc)
    with pytest.raises(OrderNotFound):
        svc.update(BOB, order.id, expected_version=1, lines=[a_line("NEW-1")])
    assert stored_record(svc, order) == order.to_record()


def test_staff_may_update_a_customers_order(svc: Service) -> None:
    order = place(svc)
    assert svc.update(STAFF, order.id, expected_version=1, lines=[a_line("NEW-1")]).version == 2


def test_an_update_keeps_the_discounts_granted_at_placement(
    store: InMemoryOrderRepository,
) -> None:
    svc = Service(store, pricing=FixedDiscounts(campaign=Decimal(10)))
    order = place(svc)
    updated = svc.update(ALICE, order.id, expected_version=1, lines=[a_line(price="50.00")])
    assert updated.discounts == order.discounts == (Discount("campaign", Decimal(10)),)
    assert updated.total == Money.of("45.00", "EUR")


def test_an_update_with_bad_lines_is_invalid_input(svc: Service) -> None:
    order = place(svc)
    with pytest.raises(InvalidInput):
        svc.update(ALICE, order.id, expected_version=1, lines=[a_line(), a_line()])
    assert svc.get(ALICE, order.id).version == 1


# -- cancel and delete --------------------------------------------------------------------


@pytest.mark.parametrize("paid", [False, True])
def test_a_pending_or_paid_order_can_be_cancelled(svc: Service, paid: bool) -> None:
    order = place(svc)
    if paid:
        svc.mark_paid(STAFF, order.id)
    cancelled = svc.cancel(ALICE, order.id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert event_types(svc, order)[-1] is EventType.ORDER_CANCELLED


def test_cancelling_at_a_stale_version_is_a_conflict(svc: Service) -> None:
    order = place(svc)
    svc.update(ALICE, order.id, expected_version=1, lines=[a_line("NEW-1")])
    with pytest.raises(VersionConflict):
        svc.cancel(ALICE, order.id, expected_version=1)
    assert svc.cancel(ALICE, order.id, expected_version=2).version == 3


def test_another_customer_cannot_cancel_or_delete_an_order(svc: Service) -> None:
    order = place(svc)
    with pytest.raises(OrderNotFound):
        svc.cancel(BOB, order.id)
    with pytest.raises(OrderNotFound):
        svc.delete(BOB, order.id)
    assert stored_record(svc, order) == order.to_record()


@pytest.mark.parametrize("cancel_first", [False, True])
def test_a_pending_or_cancelled_order_can_be_deleted(svc: Service, cancel_first: bool) -> None:
    order = place(svc)
    if cancel_first:
        svc.cancel(ALICE, order.id)
    svc.delete(ALICE, order.id)
    with pytest.raises(OrderNotFound):
        svc.get(ALICE, order.id)
    assert event_types(svc, order)[-1] is EventType.ORDER_DELETED
    assert walk(svc, ALICE) == []


def test_deleting_at_a_stale_version_is_a_conflict(svc: Service) -> None:
    order = place(svc)
    svc.cancel(ALICE, order.id)
    with pytest.raises(VersionConflict):
        svc.delete(ALICE, order.id, expected_version=1)
    svc.delete(ALICE, order.id, expected_version=2)


# -- refused status changes ---------------------------------------------------------------

Step = Callable[[Service, OrderId], object]


def pay(svc: Service, order_id: OrderId) -> object:
    return svc.mark_paid(STAFF, order_id)


def ship(svc: Service, order_id: OrderId) -> object:
    return svc.mark_shipped(STAFF, order_id)


@pytest.mark.parametrize(
    ("history", "refused_change"),
    [
        pytest.param(
            [pay],
            lambda svc, oid: svc.update(ALICE, oid, expected_version=2, lines=[a_line("NEW-1")]),
            id="a paid order cannot change its lines",
        ),
        pytest.param(
            [pay, ship],
            lambda svc, oid: svc.cancel(ALICE, oid),
            id="a shipped order cannot be cancelled",
        ),
        pytest.param(
            [pay], lambda svc, oid: svc.delete(ALICE, oid), id="a paid order cannot be deleted"
        ),
        pytest.param(
            [pay, ship],
            lambda svc, oid: svc.delete(STAFF, oid),
            id="a shipped order cannot be deleted even by staff",
        ),
    ],
)
def test_an_illegal_change_is_refused_and_leaves_the_order_as_it_was(
    svc: Service, history: list[Step], refused_change: Step
) -> None:
    order = place(svc)
    for step in history:
        step(svc, order.id)
    before = stored_record(svc, order)
    with pytest.raises(IllegalTransition):
        refused_change(svc, order.id)
    assert stored_record(svc, order) == before
    assert len(svc.store.events_for(order.id)) == 1 + len(history)


# -- event-driven transitions -------------------------------------------------------------


def test_a_customer_cannot_mark_an_order_paid_shipped_or_delivered(svc: Service) -> None:
    order = place(svc)
    for mark in (svc.mark_paid, svc.mark_shipped, svc.mark_delivered):
        with pytest.raises(PermissionDenied):
            mark(ALICE, order.id)
    assert stored_record(svc, order) == order.to_record()


def test_staff_move_an_order_along_the_whole_lifecycle(svc: Service) -> None:
    order = place(svc)
    for mark, status in (
        (svc.mark_paid, OrderStatus.PAID),
        (svc.mark_shipped, OrderStatus.SHIPPED),
        (svc.mark_delivered, OrderStatus.DELIVERED),
    ):
        result = mark(STAFF, order.id)
        assert result.changed
        assert result.order.status is status
    assert event_types(svc, order) == [
        EventType.ORDER_PLACED,
        EventType.ORDER_PAID,
        EventType.ORDER_SHIPPED,
        EventType.ORDER_DELIVERED,
    ]


def test_a_redelivered_payment_changes_nothing_the_second_time(svc: Service) -> None:
    order = place(svc)
    first = svc.mark_paid(STAFF, order.id)
    again = svc.mark_paid(STAFF, order.id)
    assert (first.changed, again.changed) == (True, False)
    assert again.order.same_state(first.order)
    assert len(svc.store.events_for(order.id)) == 2


def test_a_payment_of_the_total_marks_the_order_paid(svc: Service) -> None:
    order = place(svc)
    assert svc.mark_paid(STAFF, order.id, amount=order.total).changed


@pytest.mark.parametrize("wrong", ["0.01 less", "other currency"])
def test_a_payment_that_is_not_the_total_is_refused_and_changes_nothing(
    svc: Service, wrong: str
) -> None:
    order = place(svc)
    total = order.total
    amount = (
        total - Money.of("0.01", total.currency)
        if wrong == "0.01 less"
        else Money.of(total.amount, "USD" if total.currency != "USD" else "EUR")
    )
    with pytest.raises(PaymentMismatch, match="totals"):
        svc.mark_paid(STAFF, order.id, amount=amount)
    assert stored_record(svc, order) == order.to_record()
    assert len(svc.store.events_for(order.id)) == 1


def test_a_payment_for_a_cancelled_order_is_refused_for_its_status_whatever_the_amount(
    svc: Service,
) -> None:
    order = place(svc)
    svc.cancel(ALICE, order.id)
    with pytest.raises(IllegalTransition) as refused:
        svc.mark_paid(STAFF, order.id, amount=Money.of("1.00", order.currency))
    assert not isinstance(refused.value, PaymentMismatch)


def test_a_redelivered_payment_is_not_checked_again_once_paid(svc: Service) -> None:
    order = place(svc)
    svc.mark_paid(STAFF, order.id, amount=order.total)
    assert not svc.mark_paid(STAFF, order.id, amount=Money.of("1.00", order.currency)).changed


def test_a_late_event_does_not_move_an_order_backwards(svc: Service) -> None:
    order = place(svc)
    svc.mark_paid(STAFF, order.id)
    svc.mark_shipped(STAFF, order.id)
    delivered = svc.mark_delivered(STAFF, order.id).order
    for mark in (svc.mark_paid, svc.mark_shipped, svc.mark_delivered):
        result = mark(STAFF, order.id)
        assert not result.changed
        assert result.order.status is OrderStatus.DELIVERED
    assert stored_record(svc, order) == delivered.to_record()


EVENT_DRIVEN = {
    OrderStatus.PAID: "mark_paid",
    OrderStatus.SHIPPED: "mark_shipped",
    OrderStatus.DELIVERED: "mark_delivered",
}


@pytest.mark.parametrize("status", [s for s in OrderStatus if s in lifecycle_paths()])
@pytest.mark.parametrize("target", list(EVENT_DRIVEN))
def test_an_event_driven_move_is_a_no_op_exactly_where_every_way_there_passed_its_status(
    svc: Service, status: OrderStatus, target: OrderStatus
) -> None:
    # Any status the lifecycle reaches, however it grows: the move changes nothing where every
    # path to the order's status went through the move's status (a late or redelivered event),
    # moves it where the lifecycle allows, and is refused anywhere else.
    order = OrderBuilder(order_id="ord-late").in_status(status).store_in(svc.store)
    every_way_passed = all(target in path for path in lifecycle_paths()[status])
    move = getattr(svc, EVENT_DRIVEN[target])
    if target in ALLOWED_TRANSITIONS[status]:
        assert move(STAFF, order.id).order.status is target
    elif every_way_passed:
        assert not move(STAFF, order.id).changed
        assert stored_record(svc, order) == order.to_record()
    else:
        with pytest.raises(IllegalTransition):
            move(STAFF, order.id)


def test_a_transition_that_skips_a_step_is_illegal(svc: Service) -> None:
    order = place(svc)
    with pytest.raises(IllegalTransition):
        svc.mark_shipped(STAFF, order.id)
    with pytest.raises(IllegalTransition):
        svc.mark_delivered(STAFF, order.id)
    svc.mark_paid(STAFF, order.id)
    with pytest.raises(IllegalTransition):
        svc.mark_delivered(STAFF, order.id)


def test_a_cancelled_order_cannot_be_paid_shipped_or_delivered(svc: Service) -> None:
    order = place(svc)
    cancelled = svc.cancel(ALICE, order.id)
    for mark in (svc.mark_paid, svc.mark_shipped, svc.mark_delivered):
        with pytest.raises(IllegalTransition):
            mark(STAFF, order.id)
    assert stored_record(svc, order) == cancelled.to_record()


def test_marking_a_missing_order_is_not_found(svc: Service) -> None:
    with pytest.raises(OrderNotFound):
        svc.mark_paid(STAFF, "order-404")


# -- lost races are retried ---------------------------------------------------------------


class RacingStore(InMemoryOrderRepository):
    """Lets a competing change land between the use case's read and its first write."""

    def __init__(self, competitor: list[Any]) -> None:
        super().__init__(cursor_key=CURSOR_KEY)
        self.competitor = competitor

    def save(self, order: Order, *, expected_version: int, events: Any) -> None:
        if self.competitor:
            self.competitor.pop()(self)
        super().save(order, expected_version=expected_version, events=events)


def _compete_with_an_update(store: InMemoryOrderRepository, status: OrderStatus) -> None:
    current = store.get(OrderId("order-000001"))
    version = current.version
    event: OrderEvent = (
        current.replace_lines(current.lines, at=current.updated_at)
        if status is OrderStatus.PENDING
        else current.mark_paid(at=current.updated_at)
    )
    store.save(current, expected_version=version, events=[event])


def test_a_cancel_without_a_version_retries_a_lost_race() -> None:
    competitor: list[Any] = []
    svc = Service(RacingStore(competitor))
    order = place(svc)
    competitor.append(lambda s: _compete_with_an_update(s, OrderStatus.PENDING))
    cancelled = svc.cancel(ALICE, order.id)
    assert (cancelled.status, cancelled.version) == (OrderStatus.CANCELLED, 3)
    assert event_types(svc, order) == [
        EventType.ORDER_PLACED,
        EventType.ORDER_UPDATED,
        EventType.ORDER_CANCELLED,
    ]


def test_a_payment_racing_another_payment_is_applied_once() -> None:
    competitor: list[Any] = []
    svc = Service(RacingStore(competitor))
    order = place(svc)
    competitor.append(lambda s: _compete_with_an_update(s, OrderStatus.PAID))
    result = svc.mark_paid(STAFF, order.id)
    assert not result.changed
    assert result.order.status is OrderStatus.PAID
    assert event_types(svc, order) == [EventType.ORDER_PLACED, EventType.ORDER_PAID]
