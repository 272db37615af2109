"""The SQLite store's expiry index: a real index by status and deadline that the query uses
(no scan of the orders table), and a database written before deadlines existed migrates in
place, its orders working as before and never listed as due."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from orders_adapters.sqlite import MIGRATIONS, SqliteOrderRepository
from orders_core import NewLine, OrderId, OrderStatus, Principal
from orders_core.testing import EPOCH, ManualClock, UseCases, placed_order

STAFF = Principal.staff("staff:expiry")


def test_the_due_query_searches_the_status_and_deadline_index(tmp_path: Path) -> None:
    store = SqliteOrderRepository(tmp_path / "orders.sqlite3")
    order, event = placed_order("order-1", payment_due=EPOCH)
    store.add(order, [event])
    store.close()

    with sqlite3.connect(tmp_path / "orders.sqlite3") as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM orders WHERE status = ? AND due_key < ?"
            " ORDER BY due_key LIMIT ?",
            ("PENDING", "x", 10),
        ).fetchall()
    details = " | ".join(str(row[-1]) for row in plan)
    assert "USING INDEX orders_by_status_due" in details, details
    assert "SCAN orders" not in details, details
    assert "TEMP B-TREE" not in details, details


def _old_database(path: Path) -> None:
    """A database at the schema before deadlines, holding one PENDING order, as that code
    wrote it (a record without ``payment_due``)."""
    order, event = placed_order("old-order", "alice")
    with sqlite3.connect(path) as conn:
        for script in MIGRATIONS[:2]:
            conn.executescript(script)
        conn.execute(f"PRAGMA user_version={2}")
        record = order.to_record()
        assert "payment_due" not in record
        conn.execute(
            "INSERT INTO orders (id, customer_id, sort_key, status, version, body)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (order.id, "alice", f"{record['created_at']}#{order.id}", "PENDING", 1,
             json.dumps(record)),
        )  # fmt: skip
        conn.execute(
            "INSERT INTO events (event_id, order_id, order_version, type, body)"
            " VALUES (?, ?, ?, ?, ?)",
            (event.event_id, order.id, 1, event.type.value, json.dumps(event.to_record())),
        )
    conn.close()


def test_orders_stored_before_deadlines_keep_working_and_never_expire(tmp_path: Path) -> None:
    path = tmp_path / "orders.sqlite3"
    _old_database(path)
    store = SqliteOrderRepository(path)
    try:
        clock = ManualClock(EPOCH + timedelta(days=365))
        service = UseCases(store, clock=clock)
        old = store.get(OrderId("old-order"))
        assert (old.status, old.payment_due) == (OrderStatus.PENDING, None)
        assert store.due_for_expiry(clock.peek(), limit=10) == []
        assert not service.expire(STAFF, old.id).changed

        new = service.place(Principal.customer("bob"), currency="EUR", lines=[NewLine("A-1", 1, 1)])
        clock.advance(timedelta(minutes=30))
        assert store.due_for_expiry(clock.peek(), limit=10) == [new.id]
        assert service.mark_paid(STAFF, old.id).changed
    finally:
        store.close()
