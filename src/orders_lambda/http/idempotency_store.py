"""A Powertools idempotency persistence layer on SQLite, for ``orders serve`` and tests.

Same rules as the DynamoDB layer: a record can be (re)claimed when there is none, when it
expired, or when it is in progress past its in-progress expiry (its Lambda timed out). Each
claim is one atomic statement (an insert that takes over only such a record), so threads and
processes sharing the file agree on who runs. ``":memory:"`` keeps the records in this
process only.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import (
    STATUS_CONSTANTS,
    DataRecord,
)

from orders_adapters.sqlite import ConnectionPool

_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency_records (
    key                 TEXT PRIMARY KEY,
    status              TEXT NOT NULL,
    expiry              INTEGER,
    in_progress_expiry  INTEGER,
    payload_hash        TEXT NOT NULL DEFAULT '',
    response            TEXT NOT NULL DEFAULT ''
) STRICT
"""
_COLUMNS = "key, status, expiry, in_progress_expiry, payload_hash, response"


class SqliteIdempotencyStore(BasePersistenceLayer):
    """Idempotency records in one SQLite file, on a small pool of connections (the order
    store's :class:`~orders_adapters.sqlite.ConnectionPool`): at most ``max_connections``
    open at once however many threads claim keys, one kept between calls, all closed by
    :meth:`close`."""

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        busy_timeout: float = 30.0,
        max_connections: int = 4,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Powertools leaves it unannotated
        self._pool = ConnectionPool(
            path, setup=self._configure, max_connections=max_connections, timeout=busy_timeout
        )
        try:
            with self._pool.transaction() as conn:
                conn.execute(_SCHEMA)
        except BaseException:
            self._pool.close()
            raise

    @property
    def max_connections(self) -> int:
        """The most connections this store holds open at once."""
        return self._pool.max_connections

    def _configure(self, conn: sqlite3.Connection) -> None:
        # WAL: a claim (a write) does not block the reads of other threads or processes.
        conn.execute("PRAGMA journal_mode=WAL")

    def close(self) -> None:
        self._pool.close()

    @staticmethod
    def _record(row: tuple[str, str, int | None, int | None, str, str]) -> DataRecord:
        key, status, expiry, in_progress_expiry, payload_hash, response = row
        return DataRecord(
            idempotency_key=key,
            status=status,
            expiry_timestamp=expiry,
            in_progress_expiry_timestamp=in_progress_expiry,
            payload_hash=payload_hash,
            response_data=response,
        )

    def _get_record(self, idempotency_key: str) -> DataRecord:
        with self._pool.connection() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM idempotency_records WHERE key = ?",  # noqa: S608
                (idempotency_key,),
            ).fetchone()
        if row is None:
            raise IdempotencyItemNotFoundError
        return self._record(row)

    def _put_record(self, data_record: DataRecord) -> None:
        # One statement, so one atomic claim: a new key is inserted, and an existing record
        # is taken over only when it expired or its call was abandoned (in progress past its
        # in-progress expiry); otherwise nothing changes and the key is someone else's.
        now = time.time()
        with self._pool.connection() as conn:
            claimed = conn.execute(
                f"INSERT INTO idempotency_records ({_COLUMNS}) "  # noqa: S608
                "VALUES (?, ?, ?, ?, ?, '') ON CONFLICT (key) DO UPDATE SET "
                "status = excluded.status, expiry = excluded.expiry, "
                "in_progress_expiry = excluded.in_progress_expiry, "
                "payload_hash = excluded.payload_hash, response = excluded.response "
                "WHERE (expiry IS NOT NULL AND expiry < ?) OR (status = ? "
                "AND in_progress_expiry IS NOT NULL AND in_progress_expiry < ?)",
                (
                    data_record.idempotency_key,
                    data_record.status,
                    data_record.expiry_timestamp,
                    data_record.in_progress_expiry_timestamp,
                    data_record.payload_hash if self.payload_validation_enabled else "",
                    int(now),
                    STATUS_CONSTANTS["INPROGRESS"],
                    int(now * 1000),
                ),
            ).rowcount
        if not claimed:
            raise IdempotencyItemAlreadyExistsError

    def _update_record(self, data_record: DataRecord) -> None:
        with self._pool.connection() as conn:  # one statement: atomic on its own
            conn.execute(
                "UPDATE idempotency_records SET status = ?, expiry = ?, response = ?, "
                "payload_hash = ? WHERE key = ?",
                (
                    data_record.status,
                    data_record.expiry_timestamp,
                    data_record.response_data,
                    data_record.payload_hash,
                    data_record.idempotency_key,
                ),
            )

    def _delete_record(self, data_record: DataRecord) -> None:
        with self._pool.connection() as conn:
            conn.execute(
                "DELETE FROM idempotency_records WHERE key = ?", (data_record.idempotency_key,)
            )


__all__ = ["SqliteIdempotencyStore"]
