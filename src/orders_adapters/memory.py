"""An in-memory OrderRepository with a real store's semantics.

Thread-safe (one lock around every operation), conditional writes by version, signed cursor
pages, events stored atomically with their change, and a tombstone for every deleted id (it
never carries a new order). Orders are kept as records (the mapping
every store uses), so callers never share mutable state with the store. Production code: it is
the reference implementation of the port and the store for property-based tests.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from orders_adapters.shared import (
    OrdersFromRecords,
    check_due_limit,
    check_events,
    check_limit,
    check_write,
    cursor_after,
    position_after,
    position_key,
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
    VersionConflict,
    event_log_key,
    format_time,
    utc,
)


def _record_sort_key(record: Mapping[str, Any]) -> str:
    """:func:`sort_key` of the record's order: a record holds ``created_at`` as the very
    text ``format_time`` gives, so the key is read off the record without loading it."""
    return position_key(record["created_at"], record["id"])


def _copied(value: Any) -> Any:
    """A copy of a JSON-shaped value (dicts, lists and immutable leaves): what deepcopy
    gives for it, without deepcopy's memo and dispatch on every leaf."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


# The parts of an order record that most changes leave as they were (a cancel, a payment,
# a deletion): kept once across its states, as records are never changed in place.
_LASTING_PARTS: Final = ("lines", "discounts")


def _sharing(record: dict[str, Any], previous: Mapping[str, Any] | None) -> dict[str, Any]:
    """``record`` holding ``previous``'s lines and discounts where they are equal."""
    if previous is not None:
        for part in _LASTING_PARTS:
            if record[part] == previous[part]:
                record[part] = previous[part]
    return record


def _event_record(
    event: OrderEvent, state: Mapping[str, Any] | None, previous: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The event as stored. Its order snapshot is normally the very state written with it
    (``state``, the order's new record): then it is kept once, shared with that record, which
    no write changes in place. Any other snapshot (a deletion's, one built by hand) is copied,
    so neither the caller's event nor one handed out later shares mutable state with the
    store, and shares the lasting parts of the order's ``previous`` record."""
    record = event.to_record()
    snapshot = record["order"]
    record["order"] = state if snapshot == state else _sharing(_copied(snapshot), previous)
    return record


class InMemoryOrderRepository(OrdersFromRecords):
    def __init__(self, cursor_key: bytes | None = None) -> None:
        self._lock = threading.Lock()
        self._orders: dict[OrderId, dict[str, Any]] = {}
        self._events: dict[OrderId, list[dict[str, Any]]] = {}
        self._deleted: set[OrderId] = set()
        self._event_ids: set[str] = set()
        self._codec = CursorCodec(cursor_key or secrets.token_bytes(32))

    def get(self, order_id: OrderId) -> Order:
        with self._lock:
            record = self._orders.get(order_id)
        if record is None:
            raise OrderNotFound(f"order {order_id} not found")
        with unreadable("order"):
            return Order.from_record(record)

    def _store_events(
        self,
        order_id: OrderId,
        events: Sequence[OrderEvent],
        state: Mapping[str, Any] | None = None,
        previous: Mapping[str, Any] | None = None,
    ) -> None:
        # Checked before anything is written, so a refused write leaves no trace.
        ids = [e.event_id for e in events]
        if len(set(ids)) != len(ids) or self._event_ids.intersection(ids):
            raise StoreError("an event id is already stored")
        self._event_ids.update(ids)
        self._events.setdefault(order_id, []).extend(
            _event_record(e, state, previous) for e in events
        )

    def add(self, order: Order, events: Sequence[OrderEvent]) -> None:
        check_write(order, 0, events)
        record = order.to_record()
        with self._lock:
            if order.id in self._orders or order.id in self._deleted:
                raise OrderAlreadyExists(f"order {order.id} already exists or was deleted")
            self._store_events(order.id, events, record)
            self._orders[order.id] = record

    def _check_version(self, order_id: OrderId, expected_version: int) -> dict[str, Any]:
        """The stored record, when it is at ``expected_version``."""
        stored = self._orders.get(order_id)
        if stored is None:
            raise OrderNotFound(f"order {order_id} not found")
        if stored["version"] != expected_version:
            raise VersionConflict(
                f"order {order_id} is at version {stored['version']}, not {expected_version}"
            )
        return stored

    def save(self, order: Order, *, expected_version: int, events: Sequence[OrderEvent]) -> None:
        check_write(order, expected_version, events)
        record = order.to_record()
        with self._lock:
            stored = self._check_version(order.id, expected_version)
            _sharing(record, stored)
            self._store_events(order.id, events, record, stored)
            self._orders[order.id] = record

    def delete(
        self, order_id: OrderId, *, expected_version: int, events: Sequence[OrderEvent]
    ) -> None:
        check_events(order_id, expected_version + 1, events)
        with self._lock:
            stored = self._check_version(order_id, expected_version)
            self._store_events(order_id, events, previous=stored)
            del self._orders[order_id]
            self._deleted.add(order_id)

    def list_records_for_customer(
        self,
        customer_id: CustomerId,
        *,
        limit: int,
        cursor: str | None = None,
        status: OrderStatus | None = None,
    ) -> RecordPage:
        # The stored records themselves: every write replaces a record whole, never changes
        # one in place, so a record handed out stays as it was (RecordPage is read-only).
        check_limit(limit)
        after = position_after(self._codec, cursor, customer_id, status)
        with self._lock, unreadable("order"):
            keyed = [
                (_record_sort_key(r), r)
                for r in self._orders.values()
                if r["customer_id"] == customer_id and (status is None or r["status"] == status)
            ]
        # Sort and cut on the records; only the page's records become Orders.
        if after is not None:
            keyed = [(k, r) for k, r in keyed if k < after]
        keyed.sort(key=lambda p: p[0], reverse=True)
        page = keyed[:limit]
        more = len(keyed) > limit
        next_cursor = cursor_after(self._codec, page[-1][0], customer_id, status) if more else None
        return RecordPage(tuple(r for _, r in page), next_cursor)

    def due_for_expiry(self, now: datetime, *, limit: int) -> list[OrderId]:
        """``orders_core.ExpiryIndex``: a pass over the records in memory, which is this
        store's whole index (it holds no more than a test or a demo puts in it)."""
        check_due_limit(limit)
        by = format_time(utc(now))
        with self._lock, unreadable("order"):
            due = sorted(
                position_key(r["payment_due"], r["id"])
                for r in self._orders.values()
                if r["status"] == OrderStatus.PENDING
                and r.get("payment_due") is not None
                # fixed-width UTC text sorts as the times do
                and r["payment_due"] <= by
            )
        return [OrderId(key.split("#", 1)[1]) for key in due[:limit]]

    def events_for(self, order_id: OrderId) -> list[OrderEvent]:
        with self._lock:
            records = list(self._events.get(order_id, ()))
        with unreadable("event"):
            return [OrderEvent.from_record(_copied(r)) for r in records]

    def all_events(self) -> list[OrderEvent]:
        """Every stored event in the port's one order (``orders_core.EventLog``)."""
        with self._lock:
            records = [r for per_order in self._events.values() for r in per_order]
        with unreadable("event"):
            events = [OrderEvent.from_record(_copied(r)) for r in records]
        return sorted(events, key=event_log_key)
