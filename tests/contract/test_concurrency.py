"""Racing writers: exactly one winner per version, no lost update, one event per write."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from orders_adapters.sqlite import SqliteOrderRepository
from orders_core import EventType, OrderId, OrderRepository
from tests.contract.conftest import ContractStore
from tests.support.builders import placed_order
from tests.support.racing import Win, race, race_in_process

WRITERS = 8
ATTEMPTS = 15


def _assert_consistent(repo: OrderRepository, order_id: OrderId, wins: list[Win]) -> None:
    versions = sorted(w.version for w in wins)
    # One winner per version, and the versions the winners wrote are exactly 2..n+1.
    assert versions == list(range(2, len(wins) + 2))
    final = repo.get(order_id)
    assert final.version == len(wins) + 1
    last = max(wins, key=lambda w: w.version)
    # No lost update: the stored order is the last winner's write.
    assert [ln.sku for ln in final.lines] == [last.sku]
    events = repo.events_for(order_id)
    assert events[0].type is EventType.ORDER_PLACED
    updates = events[1:]
    # The events are exactly the successful writes: same versions, same content.
    assert sorted(e.order_version for e in updates) == versions
    by_version = {w.version: w.sku for w in wins}
    for event in updates:
        assert event.type is EventType.ORDER_UPDATED
        assert event.order["lines"][0]["sku"] == by_version[event.order_version]


def test_threads_racing_on_one_order_lose_no_update(store: ContractStore) -> None:
    order, event = placed_order("contended")
    store.add(order, [event])
    with ThreadPoolExecutor(WRITERS) as pool:
        results = list(pool.map(lambda w: race(store, order.id, w, ATTEMPTS), range(WRITERS)))
    wins = [w for per_writer in results for w in per_writer]
    assert wins, "at least one write must succeed"
    _assert_consistent(store, order.id, wins)


def test_processes_racing_on_one_sqlite_file_lose_no_update(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    repo = SqliteOrderRepository(path)
    order, event = placed_order("contended")
    repo.add(order, [event])
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(4, mp_context=context) as pool:
        futures = [pool.submit(race_in_process, str(path), order.id, w, ATTEMPTS) for w in range(4)]
        wins = [Win(v, sku) for f in futures for v, sku in f.result()]
    assert wins
    _assert_consistent(repo, order.id, wins)
    repo.close()
