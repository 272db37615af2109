"""An embedded, durable OrderRepository on the standard library's sqlite3.

- One connection per thread (sqlite3 connections must not be shared), WAL journal so readers
  never block the writer, ``synchronous=FULL`` so a committed change survives a power cut.
- Every write is one ``BEGIN IMMEDIATE`` transaction: the conditional update and the event
  rows commit together or not at all. Several threads or processes may write one file; SQLite
  serialises the writers and ``busy_timeout`` makes them wait rather than fail.
- The schema is created or migrated on open, under the same write lock, tracked with
  ``PRAGMA user_version``.
- The cursor signing key is made once per database and kept in it, so cursors stay valid
  across restarts (pass ``cursor_key`` to share one between databases).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final, TypeVar

from orders_adapters.shared import (
    check_events,
    check_limit,
    check_write,
    cursor_after,
    position_after,
    sort_key,
)
from orders_core import (
    CursorCodec,
    CustomerId,
    Order,
    OrderAlreadyExists,
    OrderEvent,
    OrderId,
    OrderNotFound,
    OrderStatus,
    Page,
    StoreUnavailable,
    VersionConflict,
)

_T = TypeVar("_T")

# Each entry migrates the schema from version i to i + 1; never edit one that has shipped.
MIGRATIONS: Final[tuple[str, ...]] = (
    """
    CREATE TABLE orders (
        id          TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL,
        sort_key    TEXT NOT NULL,
        status      TEXT NOT NULL,
        version     INTEGER NOT NULL,
        body        TEXT NOT NULL
    ) STRICT;
    CREATE INDEX orders_by_customer ON orders (customer_id, sort_key DESC);
    CREATE TABLE events (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id      TEXT NOT NULL UNIQUE,
        order_id      TEXT NOT NULL,
        order_version INTEGER NOT NULL,
        type          TEXT NOT NULL,
        body          TEXT NOT NULL
    ) STRICT;
    CREATE INDEX events_by_order ON events (order_id, seq);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT;
    """,
)
SCHEMA_VERSION: Final = len(MIGRATIONS)


def _dumps(record: object) -> str:
    return json.dumps(record, separators=(",", ":"), sort_keys=True)


class SqliteOrderRepository:
    def __init__(
        self, path: str | Path, *, cursor_key: bytes | None = None, busy_timeout: float = 30.0
    ) -> None:
        self._path = str(path)
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._migrate()
        self._codec = CursorCodec(cursor_key or self._stored_cursor_key())

    # -- connections and transactions -----------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._guard(self._open)
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._path,
            timeout=self._busy_timeout,
            isolation_level=None,  # transactions are begun explicitly below
            # Each thread still gets its own connection; this only lets close() reach them all.
            check_same_thread=False,
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout * 1000)}")
        return conn

    @staticmethod
    def _guard(operation: Callable[[], _T]) -> _T:
        try:
            return operation()
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"the SQLite store failed: {exc}") from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        self._guard(lambda: conn.execute("BEGIN IMMEDIATE"))
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._guard(lambda: conn.execute("COMMIT"))

    def close(self) -> None:
        """Close every connection this store opened (in any thread)."""
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    # -- schema ----------------------------------------------------------------------------

    def _migrate(self) -> None:
        with self._write() as conn:
            current = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if current > SCHEMA_VERSION:
                raise StoreUnavailable(
                    f"{self._path} has schema {current}, newer than this code's {SCHEMA_VERSION}"
                )
            for script in MIGRATIONS[current:]:
                for statement in filter(str.strip, script.split(";")):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _stored_cursor_key(self) -> bytes:
        with self._write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('cursor_key', ?)",
                (secrets.token_bytes(32),),
            )
            row = conn.execute("SELECT value FROM meta WHERE key = 'cursor_key'").fetchone()
        return bytes(row[0])

    # -- the port --------------------------------------------------------------------------

    def get(self, order_id: OrderId) -> Order:
        conn = self._connection()
        row = self._guard(
            lambda: conn.execute("SELECT body FROM orders WHERE id = ?", (order_id,)).fetchone()
        )
        if row is None:
            raise OrderNotFound(f"order {order_id} not found")
        return Order.from_record(json.loads(row[0]))

    @staticmethod
    def _insert_events(conn: sqlite3.Connection, events: Sequence[OrderEvent]) -> None:
        conn.executemany(
            "INSERT INTO events (event_id, order_id, order_version, type, body)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (e.event_id, e.order_id, e.order_version, e.type.value, _dumps(e.to_record()))
                for e in events
            ],
        )

    def add(self, order: Order, events: Sequence[OrderEvent]) -> None:
        check_write(order, 0, events)
        with self._write() as conn:
            try:
                conn.execute(
                    "INSERT INTO orders (id, customer_id, sort_key, status, version, body)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        order.id,
                        order.customer_id,
                        sort_key(order),
                        order.status.value,
                        order.version,
                        _dumps(order.to_record()),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise OrderAlreadyExists(f"order {order.id} already exists") from exc
            self._insert_events(conn, events)

    def _check_version(self, conn: sqlite3.Connection, order_id: OrderId, expected: int) -> None:
        row = conn.execute("SELECT version FROM orders WHERE id = ?", (order_id,)).fetchone()
        if row is None:
            raise OrderNotFound(f"order {order_id} not found")
        if row[0] != expected:
            raise VersionConflict(f"order {order_id} is at version {row[0]}, not {expected}")

    def save(self, order: Order, *, expected_version: int, events: Sequence[OrderEvent]) -> None:
        check_write(order, expected_version, events)
        with self._write() as conn:
            # Inside BEGIN IMMEDIATE no other writer can run between the check and the update.
            self._check_version(conn, order.id, expected_version)
            conn.execute(
                "UPDATE orders SET status = ?, version = ?, body = ? WHERE id = ? AND version = ?",
                (
                    order.status.value,
                    order.version,
                    _dumps(order.to_record()),
                    order.id,
                    expected_version,
                ),
            )
            self._insert_events(conn, events)

    def delete(
        self, order_id: OrderId, *, expected_version: int, events: Sequence[OrderEvent]
    ) -> None:
        check_events(order_id, events)
        with self._write() as conn:
            self._check_version(conn, order_id, expected_version)
            conn.execute(
                "DELETE FROM orders WHERE id = ? AND version = ?", (order_id, expected_version)
            )
            self._insert_events(conn, events)

    def list_for_customer(
        self,
        customer_id: CustomerId,
        *,
        limit: int,
        cursor: str | None = None,
        status: OrderStatus | None = None,
    ) -> Page:
        check_limit(limit)
        after = position_after(self._codec, cursor, customer_id, status)
        sql = "SELECT sort_key, body FROM orders WHERE customer_id = ?"
        params: list[object] = [customer_id]
        if status is not None:
            sql += " AND status = ?"
            params.append(status.value)
        if after is not None:
            sql += " AND sort_key < ?"
            params.append(after)
        sql += " ORDER BY sort_key DESC LIMIT ?"
        params.append(limit + 1)
        conn = self._connection()
        rows = self._guard(lambda: conn.execute(sql, params).fetchall())
        page = rows[:limit]
        more = len(rows) > limit
        next_cursor = cursor_after(self._codec, page[-1][0], customer_id, status) if more else None
        return Page(tuple(Order.from_record(json.loads(r[1])) for r in page), next_cursor)

    def events_for(self, order_id: OrderId) -> list[OrderEvent]:
        conn = self._connection()
        rows = self._guard(
            lambda: conn.execute(
                "SELECT body FROM events WHERE order_id = ? ORDER BY seq", (order_id,)
            ).fetchall()
        )
        return [OrderEvent.from_record(json.loads(r[0])) for r in rows]

    def all_events(self) -> list[OrderEvent]:
        """Every stored event in commit order (for tests and local tooling)."""
        conn = self._connection()
        rows = self._guard(lambda: conn.execute("SELECT body FROM events ORDER BY seq").fetchall())
        return [OrderEvent.from_record(json.loads(r[0])) for r in rows]
