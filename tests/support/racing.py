"""Writers that race conflicting updates of one order, for the concurrency tests.

Each attempt reads the order, replaces its only line with a sku naming the writer and attempt,
and saves at the version it read. The log records every write the store accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from orders_core import OrderId, OrderRepository, VersionConflict
from tests.support.builders import line
from tests.support.fakes import EPOCH


@dataclass(frozen=True, slots=True)
class Win:
    version: int
    sku: str


def race(repo: OrderRepository, order_id: OrderId, writer: int, attempts: int) -> list[Win]:
    """Run ``attempts`` read-modify-write cycles; return the ones that won."""
    wins: list[Win] = []
    for attempt in range(attempts):
        order = repo.get(order_id)
        read_version = order.version
        sku = f"W{writer:02d}-A{attempt:03d}"
        event = order.replace_lines([line(sku)], at=EPOCH + timedelta(seconds=attempt))
        try:
            repo.save(order, expected_version=read_version, events=[event])
        except VersionConflict:
            continue
        wins.append(Win(order.version, sku))
    return wins


def race_in_process(path: str, order_id: str, writer: int, attempts: int) -> list[tuple[int, str]]:
    """``race`` on a SQLite file from a separate process (picklable results)."""
    from orders_adapters.sqlite import SqliteOrderRepository  # noqa: PLC0415 - child process

    repo = SqliteOrderRepository(Path(path))
    try:
        return [(w.version, w.sku) for w in race(repo, OrderId(order_id), writer, attempts)]
    finally:
        repo.close()
