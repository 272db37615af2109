"""PlaceOrder with an idempotency key: the key's order id is derived, so it binds for good."""

from __future__ import annotations

import uuid

import pytest

from orders_adapters.memory import InMemoryOrderRepository
from orders_adapters.system import RandomOrderIds
from orders_core import (
    CustomerId,
    EventType,
    InvalidInput,
    NewLine,
    OrderAlreadyExists,
    OrderEvent,
    OrderId,
    PermissionDenied,
)
from orders_core.idempotency import (
    IdempotencyKeyReused,
    ReplayUnavailable,
    check_key,
    order_id_for_key,
)
from orders_core.order import check_order_id
from tests.support.service import ALICE, BOB, STAFF, Service, a_line

CURSOR_KEY = b"unit-tests-cursor-key-0123456789"


@pytest.fixture
def store() -> InMemoryOrderRepository:
    return InMemoryOrderRepository(cursor_key=CURSOR_KEY)


@pytest.fixture
def service(store: InMemoryOrderRepository) -> Service:
    return Service(store)


def _placed(store: InMemoryOrderRepository) -> list[str]:
    return [e.order_id for e in store.all_events() if e.type is EventType.ORDER_PLACED]


# -- the derived id ----------------------------------------------------------------------------


def test_a_key_names_the_same_order_id_on_every_attempt() -> None:
    assert order_id_for_key(CustomerId("alice"), "k-1") == order_id_for_key(
        CustomerId("alice"), "k-1"
    )


def test_another_customer_or_another_key_names_another_order() -> None:
    ids = {
        order_id_for_key(CustomerId("alice"), "k-1"),
        order_id_for_key(CustomerId("bob"), "k-1"),
        order_id_for_key(CustomerId("alice"), "k-2"),
    }
    assert len(ids) == 3


def test_no_customer_id_or_key_can_shift_the_boundary_between_them() -> None:
    assert order_id_for_key(CustomerId("ab"), "c") != order_id_for_key(CustomerId("a"), "bc")
    assert order_id_for_key(CustomerId('a","b'), "c") != order_id_for_key(CustomerId("a"), 'b","c')


def test_the_derivation_never_changes_so_old_keys_stay_bound() -> None:
    # Pinned: a changed namespace or encoding would let a retry of an old key place anew.
    assert order_id_for_key(CustomerId("customer-1"), "key-1") == (
        "ef5d971e-9d70-5134-a414-788294638c0a"
    )


def test_a_derived_id_is_an_order_id_that_no_random_id_can_equal() -> None:
    derived = order_id_for_key(CustomerId("alice"), "k-1")
    assert check_order_id(derived) == derived
    assert uuid.UUID(derived).version == 5
    assert uuid.UUID(RandomOrderIds().new_order_id()).version == 4


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\t", "é"])
def test_a_key_outside_visible_ascii_or_over_255_characters_is_invalid(key: str) -> None:
    with pytest.raises(InvalidInput):
        check_key(key)
    with pytest.raises(InvalidInput):
        order_id_for_key(CustomerId("alice"), key)


# -- placing with a key ------------------------------------------------------------------------


def test_a_keyed_placement_stores_the_order_under_its_keys_id(
    service: Service, store: InMemoryOrderRepository
) -> None:
    placement = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    assert not placement.replayed
    assert placement.order.id == order_id_for_key(CustomerId("alice"), "k-1")
    assert _placed(store) == [placement.order.id]


def test_a_second_attempt_replays_the_first_order_and_stores_nothing(
    service: Service, store: InMemoryOrderRepository
) -> None:
    first = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    again = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    assert again.replayed
    assert again.order.to_record() == first.order.to_record()
    assert _placed(store) == [first.order.id]


def test_a_price_written_differently_is_the_same_request(service: Service) -> None:
    service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line(price="10.00")])
    again = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line(price="10")])
    assert again.replayed


@pytest.mark.parametrize(
    ("currency", "lines"),
    [
        ("USD", [a_line()]),
        ("EUR", [a_line(quantity=2)]),
        ("EUR", [a_line(price="10.01")]),
        ("EUR", [a_line(sku="SKU-2")]),
        ("EUR", [a_line(), a_line(sku="SKU-2")]),
    ],
)
def test_the_same_key_with_another_currency_or_other_lines_is_refused(
    service: Service, store: InMemoryOrderRepository, currency: str, lines: list[NewLine]
) -> None:
    first = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    with pytest.raises(IdempotencyKeyReused):
        service.place.with_key(ALICE, "k-1", currency=currency, lines=lines)
    assert _placed(store) == [first.order.id]


def test_two_customers_with_one_key_place_two_orders(service: Service) -> None:
    mine = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    theirs = service.place.with_key(BOB, "k-1", currency="EUR", lines=[a_line()])
    assert not theirs.replayed
    assert theirs.order.id != mine.order.id


def test_staff_place_no_order_with_a_key_either(service: Service) -> None:
    with pytest.raises(PermissionDenied):
        service.place.with_key(STAFF, "k-1", currency="EUR", lines=[a_line()])


def test_a_replay_after_the_order_changed_is_the_order_as_first_placed(
    service: Service,
) -> None:
    first = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    service.update(ALICE, first.order.id, expected_version=1, lines=[a_line(quantity=5)])
    service.cancel(ALICE, first.order.id)
    again = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    assert again.replayed
    assert again.order.to_record() == first.order.to_record()
    assert again.order.version == 1


def test_after_the_order_changed_the_first_lines_still_decide_what_is_the_same_request(
    service: Service,
) -> None:
    first = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    service.update(ALICE, first.order.id, expected_version=1, lines=[a_line(quantity=5)])
    with pytest.raises(IdempotencyKeyReused):
        service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line(quantity=5)])


def test_a_replay_after_the_order_was_deleted_is_the_order_as_first_placed(
    service: Service, store: InMemoryOrderRepository
) -> None:
    first = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    service.delete(ALICE, first.order.id)
    again = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    assert again.replayed
    assert again.order.to_record() == first.order.to_record()
    assert _placed(store) == [first.order.id]


class _EventsExpire(InMemoryOrderRepository):
    """A store whose events are gone, as DynamoDB's outbox items are once their TTL passed."""

    def events_for(self, order_id: OrderId) -> list[OrderEvent]:
        return []


def test_a_changed_order_whose_events_expired_cannot_be_replayed() -> None:
    service = Service(_EventsExpire(cursor_key=CURSOR_KEY))
    first = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    service.cancel(ALICE, first.order.id)
    with pytest.raises(ReplayUnavailable):
        service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])


def test_an_untouched_order_whose_events_expired_is_still_replayed() -> None:
    service = Service(_EventsExpire(cursor_key=CURSOR_KEY))
    first = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    again = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    assert again.replayed
    assert again.order.to_record() == first.order.to_record()


def test_an_id_held_by_another_customers_order_is_not_described(
    store: InMemoryOrderRepository,
) -> None:
    class TakenIds:
        def new_order_id(self) -> OrderId:
            return order_id_for_key(CustomerId("alice"), "k-1")

    # Bob's unkeyed order got the id Alice's key derives (an id generator that can do this).
    Service(store, ids=TakenIds()).place(BOB, currency="EUR", lines=[a_line()])
    with pytest.raises(OrderAlreadyExists) as raised:
        Service(store).place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    assert type(raised.value) is OrderAlreadyExists
