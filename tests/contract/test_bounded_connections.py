"""The SQLite stores hold a bounded number of connections, however many threads use them.

A library user's thread pool grows and shrinks; the store's open files must not grow with
it. Open files are counted in /proc/self/fd (Linux, as CI and the Lambda runtime are).
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from pathlib import Path

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import (
    STATUS_CONSTANTS,
    DataRecord,
)

from orders_adapters.sqlite import SqliteOrderRepository
from orders_core import CustomerId, OrderId
from orders_lambda.http.idempotency_store import SqliteIdempotencyStore
from tests.support.builders import placed_order

THREADS = 200
OPERATIONS = 2_000
PER_THREAD = OPERATIONS // THREADS
# Each connection holds the database file and its WAL open (the shared-memory file is shared
# by a process's connections); a little slack for the runtime's own files.
FILES_PER_CONNECTION = 2
SLACK = 2
RELEASE_WITHIN = 10.0


def _claim(key: str) -> DataRecord:
    return DataRecord(
        idempotency_key=key,
        status=STATUS_CONSTANTS["INPROGRESS"],
        expiry_timestamp=int(time.time()) + 60,
    )


def _open_files() -> int:
    gc.collect()  # a connection dropped but not yet collected still holds its files
    return len(list(Path("/proc/self/fd").iterdir()))


def _settled_open_files(at_most: int) -> int:
    """Open files once the store's pool has released what a burst opened (it waits to be
    quiet for its idle timeout, a second by default), polled up to RELEASE_WITHIN seconds."""
    deadline = time.monotonic() + RELEASE_WITHIN
    while (count := _open_files()) > at_most and time.monotonic() < deadline:
        time.sleep(0.1)
    return count


def _run_short_lived_threads(work: Callable[[int, int], None]) -> int:
    """Run ``work(thread, step)`` on THREADS threads, all alive at once at the end (so a
    per-thread connection could not hide behind a thread that already ended), and return the
    most files seen open meanwhile."""
    everyone_done = threading.Barrier(THREADS + 1)
    errors: list[BaseException] = []

    def run(thread: int) -> None:
        try:
            for step in range(PER_THREAD):
                work(thread, step)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        everyone_done.wait()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    while everyone_done.n_waiting < THREADS and any(t.is_alive() for t in threads):
        time.sleep(0.01)
    peak = _open_files()
    everyone_done.wait()
    for thread in threads:
        thread.join()
    assert errors == []
    return peak


def test_threads_that_come_and_go_leave_the_order_store_with_no_extra_open_file(
    tmp_path: Path,
) -> None:
    store = SqliteOrderRepository(tmp_path / "orders.sqlite3")
    try:
        store.list_for_customer(CustomerId("warm-up"), limit=1)
        before = _open_files()

        def work(thread: int, step: int) -> None:
            order, event = placed_order(f"order-{thread}-{step}", f"customer-{thread}")
            if step % 2 == 0:
                store.add(order, [event])
            else:
                store.get(OrderId(f"order-{thread}-{step - 1}"))

        peak = _run_short_lived_threads(work)
        after = _settled_open_files(before)
        assert after <= before
        assert peak <= before + store.max_connections * FILES_PER_CONNECTION + SLACK
        assert len(store.all_events()) == OPERATIONS // 2
    finally:
        store.close()


def test_threads_that_come_and_go_leave_the_idempotency_store_with_no_extra_open_file(
    tmp_path: Path,
) -> None:
    store = SqliteIdempotencyStore(tmp_path / "idempotency.sqlite3")
    try:
        before = _open_files()

        def work(thread: int, step: int) -> None:
            key = f"key-{thread}-{step // 2}"
            if step % 2 == 0:
                store._put_record(_claim(key))
            else:
                assert store._get_record(key).idempotency_key == key
                try:
                    store._put_record(_claim(key))
                except IdempotencyItemAlreadyExistsError:
                    pass
                else:  # pragma: no cover - reported by the assertion
                    raise AssertionError("a live record was claimed twice")

        peak = _run_short_lived_threads(work)
        after = _settled_open_files(before)
        assert after <= before
        assert peak <= before + store.max_connections * FILES_PER_CONNECTION + SLACK
        assert store._get_record("key-0-0").status == STATUS_CONSTANTS["INPROGRESS"]
    finally:
        store.close()


def test_closing_a_store_releases_every_file_it_opened(tmp_path: Path) -> None:
    before = _open_files()
    orders = SqliteOrderRepository(tmp_path / "orders.sqlite3")
    keys = SqliteIdempotencyStore(tmp_path / "idempotency.sqlite3")
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def use_both() -> None:
        try:
            barrier.wait()
            orders.list_for_customer(CustomerId("someone"), limit=1)
            keys._put_record(_claim(f"k-{threading.get_ident()}"))
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=use_both) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    orders.close()
    keys.close()
    assert _open_files() == before
