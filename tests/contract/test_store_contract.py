"""The OrderRepository contract: every store behaves the same way (see ports.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from orders_core import (
    MAX_PAGE_SIZE,
    EventType,
    InvalidCursor,
    InvalidInput,
    Order,
    OrderAlreadyExists,
    OrderId,
    OrderNotFound,
    OrderStatus,
    VersionConflict,
)
from orders_core.principals import CustomerId
from tests.contract.conftest import ContractStore
from tests.support.builders import line, placed_order
from tests.support.fakes import EPOCH


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


def test_an_added_order_reads_back_with_the_same_state(store: ContractStore) -> None:
    order = _add(store, "order-1")
    assert store.get(OrderId("order-1")).same_state(order)


def test_a_missing_order_is_not_found(store: ContractStore) -> None:
    with pytest.raises(OrderNotFound):
        store.get(OrderId("nope"))


def test_adding_an_existing_id_fails_and_stores_nothing_more(store: ContractStore) -> None:
    _add(store, "order-1")
    twin, event = placed_order("order-1", "customer-2")
    with pytest.raises(OrderAlreadyExists):
        store.add(twin, [event])
    assert store.get(OrderId("order-1")).customer_id == "customer-1"
    assert len(store.events_for(OrderId("order-1"))) == 1


def test_changing_a_returned_order_changes_nothing_stored(store: ContractStore) -> None:
    _add(store, "order-1")
    copy = store.get(OrderId("order-1"))
    copy.cancel(at=EPOCH + timedelta(minutes=1))
    assert store.get(OrderId("order-1")).status is OrderStatus.PENDING


def test_changing_an_event_given_or_returned_changes_nothing_stored(store: ContractStore) -> None:
    order, placed = placed_order("order-1")
    store.add(order, [placed])
    placed.order["lines"].clear()
    [returned] = store.events_for(order.id)
    returned.order["lines"].append({"sku": "FORGED"})
    [stored] = store.events_for(order.id)
    assert stored.order["lines"] == order.to_record()["lines"]


def test_a_save_at_the_expected_version_replaces_the_order_and_stores_its_event(
    store: ContractStore,
) -> None:
    order = _add(store, "order-1")
    event = order.mark_paid(at=EPOCH + timedelta(minutes=1))
    store.save(order, expected_version=1, events=[event])
    stored = store.get(OrderId("order-1"))
    assert (stored.status, stored.version) == (OrderStatus.PAID, 2)
    assert [e.type for e in store.events_for(order.id)] == [
        EventType.ORDER_PLACED,
        EventType.ORDER_PAID,
    ]


def test_a_save_at_a_stale_version_is_a_conflict_and_writes_nothing(store: ContractStore) -> None:
    order = _add(store, "order-1")
    first = store.get(order.id)
    second = store.get(order.id)
    store.save(first, expected_version=1, events=[first.mark_paid(at=EPOCH)])
    event = second.cancel(at=EPOCH)
    with pytest.raises(VersionConflict):
        store.save(second, expected_version=1, events=[event])
    assert store.get(order.id).status is OrderStatus.PAID
    assert len(store.events_for(order.id)) == 2


def test_saving_a_missing_order_is_not_found(store: ContractStore) -> None:
    order, _ = placed_order("ghost")
    event = order.cancel(at=EPOCH)
    with pytest.raises(OrderNotFound):
        store.save(order, expected_version=1, events=[event])
    assert store.events_for(order.id) == []


def test_a_delete_removes_the_order_and_keeps_its_events(store: ContractStore) -> None:
    order = _add(store, "order-1")
    event = order.delete(at=EPOCH + timedelta(minutes=1))
    store.delete(order.id, expected_version=1, events=[event])
    with pytest.raises(OrderNotFound):
        store.get(order.id)
    assert [e.type for e in store.events_for(order.id)][-1] is EventType.ORDER_DELETED
    assert _walk(store, "customer-1", 10) == []


def test_a_deleted_orders_id_never_carries_a_new_order(store: ContractStore) -> None:
    order = _add(store, "order-1")
    store.delete(
        order.id, expected_version=1, events=[order.delete(at=EPOCH + timedelta(minutes=1))]
    )
    again, placed_again = placed_order("order-1", "customer-2")
    with pytest.raises(OrderAlreadyExists):
        store.add(again, [placed_again])
    with pytest.raises(OrderNotFound):
        store.get(order.id)
    assert _walk(store, "customer-1", 10) == []
    assert _walk(store, "customer-2", 10) == []
    assert [e.type for e in store.events_for(order.id)] == [
        EventType.ORDER_PLACED,
        EventType.ORDER_DELETED,
    ]
    event_ids = [e.event_id for e in store.all_events()]
    assert len(event_ids) == len(set(event_ids)) == 2


def test_a_deleted_order_is_not_found_to_a_writer_at_any_version(store: ContractStore) -> None:
    order = _add(store, "order-1")
    # A writer that read the order before the delete, one version on and two versions on.
    one_on = store.get(order.id)
    one_on.cancel(at=EPOCH)
    two_on = store.get(order.id)
    two_on.replace_lines([line("B-2")], at=EPOCH)
    two_on_event = two_on.cancel(at=EPOCH)
    store.delete(order.id, expected_version=1, events=[order.delete(at=EPOCH)])
    with pytest.raises(OrderNotFound):
        store.save(two_on, expected_version=2, events=[two_on_event])
    with pytest.raises(OrderNotFound):
        store.delete(order.id, expected_version=2, events=[one_on.delete(at=EPOCH)])
    with pytest.raises(OrderNotFound):
        store.get(order.id)
    assert len(store.events_for(order.id)) == 2


def test_a_write_carrying_an_event_of_another_version_is_refused_and_writes_nothing(
    store: ContractStore,
) -> None:
    # Replaying the placement's event with a later change would store one event twice (on
    # DynamoDB, overwrite the outbox item already streamed).
    order, placed = placed_order("order-1")
    store.add(order, [placed])
    order.mark_paid(at=EPOCH + timedelta(minutes=1))
    with pytest.raises(ValueError, match="version"):
        store.save(order, expected_version=1, events=[placed])
    deleted = store.get(order.id).delete(at=EPOCH)
    with pytest.raises(ValueError, match="version"):
        store.delete(order.id, expected_version=1, events=[placed, deleted])
    assert store.get(order.id).status is OrderStatus.PENDING
    assert store.events_for(order.id) == [placed]


def test_a_delete_at_a_stale_version_is_a_conflict_and_keeps_the_order(
    store: ContractStore,
) -> None:
    order = _add(store, "order-1")
    stale = store.get(order.id)
    store.save(order, expected_version=1, events=[order.cancel(at=EPOCH)])
    # The stale reader's delete is well formed (its event is at the version it would write).
    with pytest.raises(VersionConflict):
        store.delete(stale.id, expected_version=1, events=[stale.delete(at=EPOCH)])
    assert store.get(order.id).version == 2
    assert len(store.events_for(order.id)) == 2


def test_writes_carrying_another_orders_events_are_refused_and_change_nothing(
    store: ContractStore,
) -> None:
    order = _add(store, "order-1")
    other = _add(store, "order-2")
    foreign = other.cancel(at=EPOCH + timedelta(minutes=1))
    order.mark_paid(at=EPOCH + timedelta(minutes=1))
    with pytest.raises(ValueError, match="belong"):
        store.save(order, expected_version=1, events=[foreign])
    with pytest.raises(ValueError, match="belong"):
        store.delete(order.id, expected_version=1, events=[foreign])
    assert store.get(order.id).status is OrderStatus.PENDING
    assert [len(store.events_for(o.id)) for o in (order, other)] == [1, 1]


def test_deleting_a_missing_order_is_not_found(store: ContractStore) -> None:
    order, _ = placed_order("ghost")
    with pytest.raises(OrderNotFound):
        store.delete(order.id, expected_version=1, events=[order.delete(at=EPOCH)])


def test_stored_events_round_trip_exactly(store: ContractStore) -> None:
    order, placed = placed_order("order-1", lines=(line("A-1", 2, "3.50"), line("B-2", 1, "0.99")))
    store.add(order, [placed])
    paid = order.mark_paid(at=EPOCH + timedelta(seconds=5))
    store.save(order, expected_version=1, events=[paid])
    assert store.events_for(order.id) == [placed, paid]
    assert {e.event_id for e in store.all_events()} >= {placed.event_id, paid.event_id}


def test_a_customer_list_is_newest_first_and_only_that_customers(store: ContractStore) -> None:
    for minute in range(5):
        _add(store, f"mine-{minute}", "customer-1", minute)
        _add(store, f"theirs-{minute}", "customer-2", minute)
    page = store.list_for_customer(CustomerId("customer-1"), limit=10)
    assert [o.id for o in page.items] == [f"mine-{m}" for m in reversed(range(5))]
    assert page.next_cursor is None


def test_orders_placed_at_the_same_moment_are_ordered_by_id(store: ContractStore) -> None:
    for suffix in "bca":
        _add(store, f"order-{suffix}")
    assert _walk(store, "customer-1", 1) == ["order-c", "order-b", "order-a"]


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 25])
def test_a_cursor_walk_returns_every_order_once_in_order(store: ContractStore, limit: int) -> None:
    ids = [f"order-{n:02d}" for n in range(23)]
    for minute, order_id in enumerate(ids):
        _add(store, order_id, minute=minute)
    assert _walk(store, "customer-1", limit) == list(reversed(ids))


def test_a_status_filter_returns_only_that_status_across_pages(store: ContractStore) -> None:
    for n in range(12):
        order = _add(store, f"order-{n:02d}", minute=n)
        if n % 3 == 0:
            store.save(order, expected_version=1, events=[order.mark_paid(at=EPOCH)])
    paid = _walk(store, "customer-1", 2, OrderStatus.PAID)
    assert paid == ["order-09", "order-06", "order-03", "order-00"]
    assert len(_walk(store, "customer-1", 5, OrderStatus.PENDING)) == 8


def test_a_customer_without_orders_gets_an_empty_last_page(store: ContractStore) -> None:
    page = store.list_for_customer(CustomerId("nobody"), limit=5)
    assert page.items == ()
    assert page.next_cursor is None


@pytest.mark.parametrize("limit", [0, -1, MAX_PAGE_SIZE + 1])
def test_a_limit_out_of_range_is_invalid_input(store: ContractStore, limit: int) -> None:
    with pytest.raises(InvalidInput):
        store.list_for_customer(CustomerId("customer-1"), limit=limit)


def _first_cursor(store: ContractStore) -> str:
    for minute in range(3):
        _add(store, f"order-{minute}", "customer-1", minute)
    cursor = store.list_for_customer(CustomerId("customer-1"), limit=1).next_cursor
    assert cursor is not None
    return cursor


def test_a_cursor_is_rejected_for_another_customer(store: ContractStore) -> None:
    cursor = _first_cursor(store)
    with pytest.raises(InvalidCursor):
        store.list_for_customer(CustomerId("customer-2"), limit=1, cursor=cursor)


def test_a_cursor_is_rejected_for_another_status_filter(store: ContractStore) -> None:
    cursor = _first_cursor(store)
    with pytest.raises(InvalidCursor):
        store.list_for_customer(
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
def test_a_tampered_cursor_is_invalid(store: ContractStore, tamper: Callable[[str], str]) -> None:
    cursor = _first_cursor(store)
    with pytest.raises(InvalidCursor):
        store.list_for_customer(CustomerId("customer-1"), limit=1, cursor=tamper(cursor))
