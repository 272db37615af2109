"""The SQLite store's outbox, read from another process the way ``orders events`` reads it:
by position, read-only, with the store's own errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from orders_adapters.sqlite import SqliteOrderRepository, events_after, last_event_position
from orders_core import OrderStatus, StoreError, StoreUnavailable
from orders_core.testing import OrderBuilder


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "orders.sqlite3"
    repo = SqliteOrderRepository(path, cursor_key=b"k" * 32)
    OrderBuilder(order_id="first").in_status(OrderStatus.SHIPPED).store_in(repo)  # 3 events
    OrderBuilder(order_id="second").store_in(repo)  # 1 event
    repo.close()
    return path


def test_events_come_in_commit_order_with_growing_positions(db: Path) -> None:
    read = events_after(db, 0)
    assert [(e.order_id, e.order_version) for _, e in read] == [
        ("first", 1), ("first", 2), ("first", 3), ("second", 1),
    ]  # fmt: skip
    positions = [position for position, _ in read]
    assert positions == sorted(positions)
    assert len(set(positions)) == 4
    assert last_event_position(db) == positions[-1]


def test_reading_from_a_position_gives_only_what_came_after_it_a_page_at_a_time(db: Path) -> None:
    first_two = events_after(db, 0, limit=2)
    rest = events_after(db, first_two[-1][0])
    assert [e.order_version for _, e in first_two] == [1, 2]
    assert [(e.order_id, e.order_version) for _, e in rest] == [("first", 3), ("second", 1)]
    assert events_after(db, last_event_position(db)) == []


def test_the_reader_never_writes_to_the_file(db: Path) -> None:
    before = db.read_bytes()
    events_after(db, 0)
    last_event_position(db)
    assert db.read_bytes() == before


def test_a_missing_file_is_a_store_error_not_a_raw_sqlite_one(tmp_path: Path) -> None:
    with pytest.raises((StoreError, StoreUnavailable)):
        events_after(tmp_path / "none.sqlite3", 0)
    assert not (tmp_path / "none.sqlite3").exists()
