"""An embedded, durable OrderRepository on the standard library's sqlite3.

- A small pool of connections (:class:`ConnectionPool`): each operation borrows one and gives
  it back, so a store holds at most ``max_connections`` open, however many threads use it, and
  only ``idle_connections`` once they are gone. WAL journal so readers never block the writer,
  ``synchronous=FULL`` so a committed change survives a power cut.
- Every write is one ``BEGIN IMMEDIATE`` transaction: the conditional update, the event rows
  and any tombstone commit together or not at all. Several threads or processes may write one
  file; SQLite serialises the writers and ``busy_timeout`` makes them wait rather than fail.
- A deleted order leaves a tombstone (its id in ``deleted_orders``), so its id never carries
  a new order and event ids stay unique for good.
- The schema is created or migrated on open, under the same write lock, tracked with
  ``PRAGMA user_version``.
- The cursor signing key is made once per database and kept in it, so cursors stay valid
  across restarts (pass ``cursor_key`` to share one between databases).
- Every sqlite3 failure becomes ``StoreUnavailable`` (busy, locked, disk full or failing: a
  retry may help) or ``StoreError`` (not a database, corrupt, read-only, an unreadable row).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TypeVar

from orders_adapters.shared import (
    OrdersFromRecords,
    check_due_limit,
    check_events,
    check_limit,
    check_write,
    cursor_after,
    due_key,
    position_after,
    sort_key,
    unreadable,
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
    RecordPage,
    StoreError,
    StoreUnavailable,
    VersionConflict,
    event_log_key,
    format_time,
    utc,
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
    # Tombstones. Orders deleted before this version are found by their OrderDeleted event;
    # an id that was already reused by then keeps its live order.
    """
    CREATE TABLE deleted_orders (id TEXT PRIMARY KEY) STRICT;
    INSERT INTO deleted_orders (id)
        SELECT DISTINCT order_id FROM events
        WHERE type = 'OrderDeleted' AND order_id NOT IN (SELECT id FROM orders);
    """,
    # Payment deadlines: the expiry index, by status and deadline. Orders stored before this
    # version have no deadline (NULL) and never expire.
    """
    ALTER TABLE orders ADD COLUMN due_key TEXT;
    CREATE INDEX orders_by_status_due ON orders (status, due_key);
    """,
)
SCHEMA_VERSION: Final = len(MIGRATIONS)
IN_MEMORY: Final = frozenset({":memory:", ""})

# Primary result codes after which a retry may succeed: another writer holds the lock, the
# disk is full or failing, the file cannot be opened right now (out of file descriptors, for
# one). Everything else (not a database, corrupt, read-only, no such table, a constraint)
# stays wrong however often it is retried.
_TRANSIENT_CODES: Final = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
        sqlite3.SQLITE_INTERRUPT,
        sqlite3.SQLITE_NOMEM,
    }
)


def store_failure(exc: sqlite3.Error) -> StoreUnavailable | StoreError:
    """The port's error for a sqlite3 failure, by its primary result code."""
    code = getattr(exc, "sqlite_errorcode", None)
    name = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
    if code is not None and code & 0xFF in _TRANSIENT_CODES:
        return StoreUnavailable(f"the SQLite store is busy or failing ({name}: {exc})")
    return StoreError(f"the SQLite store refused the request ({name}: {exc})")


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise store_failure(exc) from exc


def _dumps(record: object) -> str:
    return json.dumps(record, separators=(",", ":"), sort_keys=True)


def _loads(body: str) -> Mapping[str, Any]:
    record = json.loads(body)
    if not isinstance(record, Mapping):
        raise TypeError(f"a stored record is a JSON object, not {type(record).__name__}")
    return record


def _rollback(conn: sqlite3.Connection) -> None:
    # Best effort: when the connection itself failed the rollback may fail too, and the
    # pool then closes the connection, which rolls the transaction back all the same.
    with suppress(sqlite3.Error):
        conn.execute("ROLLBACK")


class ConnectionPool:
    """At most ``max_connections`` sqlite3 connections to one database, each lent to one
    operation at a time.

    An operation borrows a connection with :meth:`connection` and gives it back at the end,
    so the open files follow the operations in flight, not the threads there ever were. When
    all are lent, a caller waits up to ``timeout`` seconds, then gets ``StoreUnavailable``.
    While no more than ``idle_connections`` are open they stay open between operations (one
    thread, or one event at a time, never reopens). After a burst that opened more, once the
    pool has been quiet for ``idle_timeout`` seconds it closes all of them and the next
    operation opens one afresh: SQLite keeps a closed connection's file open while another
    connection of the process still has that database open, so closing only the extra ones
    would not give their files back.

    A connection that failed with a sqlite3 error (other than a constraint) or that comes back
    inside a transaction is closed rather than lent again. ``":memory:"`` (or ``""``) is one
    private database per connection, so such a pool keeps exactly one connection for its whole
    life. ``setup`` runs on every new connection (journal mode, timeouts, pragmas).
    After :meth:`close` every borrow raises ``StoreError``.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        setup: Callable[[sqlite3.Connection], None],
        max_connections: int = 4,
        idle_connections: int = 1,
        timeout: float = 30.0,
        idle_timeout: float = 1.0,
    ) -> None:
        if not 1 <= idle_connections <= max_connections:
            raise ValueError("need 1 <= idle_connections <= max_connections")
        self.path = str(path)
        self._in_memory = self.path in IN_MEMORY
        self.max_connections = 1 if self._in_memory else max_connections
        self._keep = 1 if self._in_memory else idle_connections
        self._setup = setup
        self._timeout = timeout
        self._idle_timeout = idle_timeout
        self._changed = threading.Condition()
        self._idle: list[sqlite3.Connection] = []
        self._lent: set[sqlite3.Connection] = set()
        self._opening = 0
        self._waiting = 0
        self._quiet_since = 0.0
        self._release: threading.Timer | None = None
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """Borrow a connection for one operation (a transaction, or one read)."""
        conn = self._borrow()
        broken = False
        try:
            yield conn
        except sqlite3.Error as exc:
            # A failed connection may be left unusable (a replaced file, a lost lock): the
            # next operation gets a fresh one. A constraint failure leaves it sound.
            broken = not isinstance(exc, sqlite3.IntegrityError)
            raise
        finally:
            self._give_back(conn, broken=broken)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Borrow a connection inside one ``BEGIN IMMEDIATE`` transaction: committed when the
        block ends, rolled back if it raises (the write lock is taken at the start, so a
        check made inside cannot be overtaken by another writer)."""
        with self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise

    def close(self) -> None:
        """Close the idle connections now and every lent one when it comes back."""
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            if self._release is not None:
                self._release.cancel()
                self._release = None
            self._changed.notify_all()
        for conn in idle:
            conn.close()

    def _borrow(self) -> sqlite3.Connection:
        deadline = time.monotonic() + self._timeout
        with self._changed:
            while True:
                if self._closed:
                    raise StoreError(f"the SQLite store on {self.path} is closed")
                if self._idle:
                    conn = self._idle.pop()  # the most recently used: its cache is warm
                    self._lent.add(conn)
                    return conn
                if len(self._lent) + self._opening < self.max_connections:
                    self._opening += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StoreUnavailable(
                        f"all {self.max_connections} connections to {self.path} are in use"
                    )
                self._waiting += 1
                try:
                    self._changed.wait(remaining)
                finally:
                    self._waiting -= 1
        opened: sqlite3.Connection | None = None
        try:
            opened = sqlite3.connect(
                self.path,
                timeout=self._timeout,  # also SQLite's busy timeout: writers wait, not fail
                isolation_level=None,  # transactions are begun explicitly
                check_same_thread=False,  # lent to one thread at a time, never shared
            )
            self._setup(opened)
        except BaseException:
            if opened is not None:
                opened.close()
            with self._changed:
                self._opening -= 1
                self._changed.notify()
            raise
        with self._changed:
            self._opening -= 1
            self._lent.add(opened)
        return opened

    def _give_back(self, conn: sqlite3.Connection, *, broken: bool) -> None:
        try:
            broken = broken or conn.in_transaction
        except sqlite3.Error:
            broken = True
        if broken and self._in_memory:
            _rollback(conn)  # closing it would drop the database itself
            broken = False
        with self._changed:
            self._lent.discard(conn)
            keep = not broken and not self._closed
            if keep:
                self._idle.append(conn)
            if self._quiet_with_extra():
                self._quiet_since = time.monotonic()
                if self._release is None:
                    self._schedule_release(self._idle_timeout)
            self._changed.notify()
        if not keep:
            conn.close()

    def _quiet_with_extra(self) -> bool:
        return (
            not self._lent
            and not self._opening
            and not self._waiting
            and len(self._idle) > self._keep
        )

    def _schedule_release(self, delay: float) -> None:
        self._release = threading.Timer(delay, self._release_if_quiet)
        self._release.daemon = True  # never keeps a process alive
        self._release.start()

    def _release_if_quiet(self) -> None:
        with self._changed:
            self._release = None
            if self._closed or not self._quiet_with_extra():
                return
            left = self._quiet_since + self._idle_timeout - time.monotonic()
            if left > 0:  # used again since the timer was set: wait for the pool to settle
                self._schedule_release(left)
                return
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class SqliteOrderRepository(OrdersFromRecords):
    """OrderRepository on one SQLite file; see the module docstring.

    ``max_connections`` bounds the connections open at once and ``idle_connections`` those
    kept open between operations (``":memory:"`` always has one). ``on_connect`` runs on each
    new connection after the store's own settings, for extra pragmas such as ``cache_size``.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        cursor_key: bytes | None = None,
        busy_timeout: float = 30.0,
        max_connections: int = 4,
        idle_connections: int = 1,
        on_connect: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        self._path = str(path)
        self._on_connect = on_connect
        self._pool = ConnectionPool(
            path,
            setup=self._configure,
            max_connections=max_connections,
            idle_connections=idle_connections,
            timeout=busy_timeout,
        )
        try:
            self._migrate()
            self._codec = CursorCodec(cursor_key or self._stored_cursor_key())
        except BaseException:
            self._pool.close()
            raise

    @property
    def max_connections(self) -> int:
        """The most connections this store holds open at once."""
        return self._pool.max_connections

    # -- connections and transactions -----------------------------------------------------

    def _configure(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        if self._on_connect is not None:
            self._on_connect(conn)

    def _read(self, query: Callable[[sqlite3.Connection], _T]) -> _T:
        with _translated(), self._pool.connection() as conn:
            return query(conn)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with _translated(), self._pool.transaction() as conn:
            yield conn

    def close(self) -> None:
        """Close every connection this store opened; it cannot be used afterwards."""
        self._pool.close()

    # -- schema ----------------------------------------------------------------------------

    def _schema_version(self, conn: sqlite3.Connection) -> int:
        current = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self._path} has schema {current}, newer than this code's {SCHEMA_VERSION}"
            )
        return current

    def _migrate(self) -> None:
        # Read first, so a database that is up to date opens without the write lock (and a
        # read-only one still serves reads).
        if self._read(self._schema_version) == SCHEMA_VERSION:
            return
        with self._write() as conn:
            current = self._schema_version(conn)  # again: another process may have migrated
            for script in MIGRATIONS[current:]:
                for statement in filter(str.strip, script.split(";")):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _stored_cursor_key(self) -> bytes:
        select = "SELECT value FROM meta WHERE key = 'cursor_key'"
        row = self._read(lambda conn: conn.execute(select).fetchone())
        if row is None:
            with self._write() as conn:
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('cursor_key', ?)",
                    (secrets.token_bytes(32),),
                )
                row = conn.execute(select).fetchone()
        with unreadable("cursor key"):
            return bytes(row[0])

    # -- the port --------------------------------------------------------------------------

    def get(self, order_id: OrderId) -> Order:
        row = self._read(
            lambda conn: conn.execute(
                "SELECT body FROM orders WHERE id = ?", (order_id,)
            ).fetchone()
        )
        if row is None:
            raise OrderNotFound(f"order {order_id} not found")
        with unreadable("order"):
            return Order.from_record(_loads(row[0]))

    @staticmethod
    def _insert_events(conn: sqlite3.Connection, events: Sequence[OrderEvent]) -> None:
        try:
            conn.executemany(
                "INSERT INTO events (event_id, order_id, order_version, type, body)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (e.event_id, e.order_id, e.order_version, e.type.value, _dumps(e.to_record()))
                    for e in events
                ],
            )
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"an event id is already stored: {exc}") from exc

    def add(self, order: Order, events: Sequence[OrderEvent]) -> None:
        check_write(order, 0, events)
        with self._write() as conn:
            taken = conn.execute(
                "SELECT 1 FROM orders WHERE id = ? UNION ALL SELECT 1 FROM deleted_orders"
                " WHERE id = ?",
                (order.id, order.id),
            ).fetchone()
            if taken is not None:
                raise OrderAlreadyExists(f"order {order.id} already exists or was deleted")
            conn.execute(
                "INSERT INTO orders (id, customer_id, sort_key, status, version, body, due_key)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    order.id,
                    order.customer_id,
                    sort_key(order),
                    order.status.value,
                    order.version,
                    _dumps(order.to_record()),
                    due_key(order),
                ),
            )
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
                "UPDATE orders SET status = ?, version = ?, body = ?, due_key = ?"
                " WHERE id = ? AND version = ?",
                (
                    order.status.value,
                    order.version,
                    _dumps(order.to_record()),
                    due_key(order),
                    order.id,
                    expected_version,
                ),
            )
            self._insert_events(conn, events)

    def delete(
        self, order_id: OrderId, *, expected_version: int, events: Sequence[OrderEvent]
    ) -> None:
        check_events(order_id, expected_version + 1, events)
        with self._write() as conn:
            self._check_version(conn, order_id, expected_version)
            conn.execute(
                "DELETE FROM orders WHERE id = ? AND version = ?", (order_id, expected_version)
            )
            conn.execute("INSERT INTO deleted_orders (id) VALUES (?)", (order_id,))
            self._insert_events(conn, events)

    def list_records_for_customer(
        self,
        customer_id: CustomerId,
        *,
        limit: int,
        cursor: str | None = None,
        status: OrderStatus | None = None,
    ) -> RecordPage:
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
        rows = self._read(lambda conn: conn.execute(sql, params).fetchall())
        page = rows[:limit]
        more = len(rows) > limit
        with unreadable("order"):
            records = tuple(_loads(r[1]) for r in page)
            next_cursor = (
                cursor_after(self._codec, str(page[-1][0]), customer_id, status) if more else None
            )
        return RecordPage(records, next_cursor)

    def due_for_expiry(self, now: datetime, *, limit: int) -> list[OrderId]:
        """``orders_core.ExpiryIndex``: one range read of the index by status and deadline
        (``due_key`` is ``<payment_due>#<id>``, set only while PENDING with a deadline)."""
        check_due_limit(limit)
        # Keys are fixed-width time text, "#", id: "$" follows "#" in ASCII, so every key of a
        # deadline at or before ``now`` sorts below "<now>$" and every later one above it.
        bound = f"{format_time(utc(now))}$"
        rows = self._read(
            lambda conn: conn.execute(
                "SELECT id FROM orders WHERE status = ? AND due_key < ? ORDER BY due_key LIMIT ?",
                (OrderStatus.PENDING.value, bound, limit),
            ).fetchall()
        )
        return [OrderId(str(r[0])) for r in rows]

    def events_for(self, order_id: OrderId) -> list[OrderEvent]:
        rows = self._read(
            lambda conn: conn.execute(
                "SELECT body FROM events WHERE order_id = ? ORDER BY seq", (order_id,)
            ).fetchall()
        )
        with unreadable("event"):
            return [OrderEvent.from_record(_loads(r[0])) for r in rows]

    def all_events(self) -> list[OrderEvent]:
        """Every stored event in the port's one order (``orders_core.EventLog``), not in
        commit order: the same events list alike on every store."""
        rows = self._read(
            lambda conn: conn.execute("SELECT body FROM events ORDER BY seq").fetchall()
        )
        with unreadable("event"):
            events = [OrderEvent.from_record(_loads(r[0])) for r in rows]
        return sorted(events, key=event_log_key)


# -- the outbox, read from another process ---------------------------------------------------


def _read_only(path: str | Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


def events_after(path: str | Path, position: int, limit: int = 100) -> list[tuple[int, OrderEvent]]:
    """At most ``limit`` events written after outbox ``position`` (0: from the first), in the
    order they were committed, each with its position; the store's outbox for a publisher in
    another process (``orders events``).

    Positions only grow: a later write gets a higher one. The file is opened read-only, so the
    reader never writes, not even a schema; faults are StoreUnavailable or StoreError.
    """
    with _translated(), closing(_read_only(path)) as connection:
        rows = connection.execute(
            "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (position, limit)
        ).fetchall()
    with unreadable("event"):
        return [(int(seq), OrderEvent.from_record(_loads(body))) for seq, body in rows]


def last_event_position(path: str | Path) -> int:
    """The outbox position of the newest event (0 while there is none); see
    :func:`events_after`."""
    with _translated(), closing(_read_only(path)) as connection:
        (last,) = connection.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
    return int(last)
