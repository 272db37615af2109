"""A keyed placement on every store: the key's order id is the store's own conditional add,
so the rule "one order per key, for good" holds whichever store is plugged in."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest

from orders_core import EventType
from orders_core.idempotency import IdempotencyKeyReused
from orders_core.use_cases import Placement
from tests.contract.conftest import ContractStore
from tests.support.service import ALICE, Service, a_line

CONCURRENT = 16


def _placed(store: ContractStore) -> list[str]:
    return [e.order_id for e in store.all_events() if e.type is EventType.ORDER_PLACED]


def test_sixteen_concurrent_placements_with_one_key_store_one_order(
    store: ContractStore,
) -> None:
    service = Service(store)
    start = Barrier(CONCURRENT, timeout=30)

    def place(_: int) -> Placement:
        start.wait()
        return service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        placements = list(pool.map(place, range(CONCURRENT)))

    assert sorted(p.replayed for p in placements) == [False] + [True] * (CONCURRENT - 1)
    assert {p.order.id for p in placements} == set(_placed(store))
    assert len({repr(p.order.to_record()) for p in placements}) == 1


def test_a_replay_after_changes_and_deletion_is_the_first_order(store: ContractStore) -> None:
    service = Service(store)
    first = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    service.update(ALICE, first.order.id, expected_version=1, lines=[a_line(quantity=3)])
    assert service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()]).order.version == 1
    service.delete(ALICE, first.order.id)
    again = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    assert again.replayed
    assert again.order.to_record() == first.order.to_record()
    assert _placed(store) == [first.order.id]


def test_the_same_key_with_other_lines_is_refused_and_stores_nothing(
    store: ContractStore,
) -> None:
    service = Service(store)
    first = service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line()])
    with pytest.raises(IdempotencyKeyReused):
        service.place.with_key(ALICE, "k-1", currency="EUR", lines=[a_line(quantity=2)])
    assert _placed(store) == [first.order.id]
    assert [e.type for e in store.events_for(first.order.id)] == [EventType.ORDER_PLACED]
