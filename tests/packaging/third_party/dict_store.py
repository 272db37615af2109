"""A store written outside the orders project: plain dicts, one lock, the public API only.

Copied into a throw-away package by tests/packaging/test_outside_use.py, installed into a
fresh virtual environment and held to the public contract suite there.
"""

from __future__ import annotations

import copy
import secrets
import threading
from collections.abc import Sequence
from typing import Any

from orders_core import (
    MAX_PAGE_SIZE,
    CursorCodec,
    CustomerId,
    InvalidCursor,
    InvalidInput,
    Order,
    OrderAlreadyExists,
    OrderEvent,
    OrderId,
    OrderNotFound,
    OrderStatus,
    Page,
    VersionConflict,
    event_log_key,
)


def _check_events(order_id: OrderId, version: int, events: Sequence[OrderEvent]) -> None:
    for event in events:
        if event.order_id != order_id:
            raise ValueError("events must belong to the order being written")
        if event.order_version != version:
            raise ValueError(f"events must be at the version being written ({version})")


class DictOrderRepository:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._orders: dict[str, dict[str, Any]] = {}
        self._deleted: set[str] = set()
        self._events: list[dict[str, Any]] = []
        self._codec = CursorCodec(secrets.token_bytes(32))

    def get(self, order_id: OrderId) -> Order:
        with self._lock:
            record = copy.deepcopy(self._orders.get(order_id))
        if record is None:
            raise OrderNotFound(order_id)
        return Order.from_record(record)

    def _append(self, events: Sequence[OrderEvent]) -> None:
        self._events.extend(copy.deepcopy(e.to_record()) for e in events)

    def _check_version(self, order_id: str, expected_version: int) -> None:
        stored = self._orders.get(order_id)
        if stored is None:
            raise OrderNotFound(order_id)
        if stored["version"] != expected_version:
            raise VersionConflict(order_id)

    def add(self, order: Order, events: Sequence[OrderEvent]) -> None:
        _check_events(order.id, 1, events)
        with self._lock:
            if order.id in self._orders or order.id in self._deleted:
                raise OrderAlreadyExists(order.id)
            self._orders[order.id] = order.to_record()
            self._append(events)

    def save(self, order: Order, *, expected_version: int, events: Sequence[OrderEvent]) -> None:
        if order.version != expected_version + 1:
            raise ValueError("a saved order's version must be expected_version + 1")
        _check_events(order.id, order.version, events)
        with self._lock:
            self._check_version(order.id, expected_version)
            self._orders[order.id] = order.to_record()
            self._append(events)

    def delete(
        self, order_id: OrderId, *, expected_version: int, events: Sequence[OrderEvent]
    ) -> None:
        _check_events(order_id, expected_version + 1, events)
        with self._lock:
            self._check_version(order_id, expected_version)
            del self._orders[order_id]
            self._deleted.add(order_id)
            self._append(events)

    def list_for_customer(
        self,
        customer_id: CustomerId,
        *,
        limit: int,
        cursor: str | None = None,
        status: OrderStatus | None = None,
    ) -> Page:
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise InvalidInput("limit out of range", {"limit": f"1 to {MAX_PAGE_SIZE}"})
        scope = {"customer": customer_id, "status": status.value if status else ""}
        after = None if cursor is None else self._codec.decode(cursor, scope).get("after")
        if cursor is not None and not isinstance(after, list):
            raise InvalidCursor("malformed cursor")
        with self._lock:
            orders = [
                Order.from_record(copy.deepcopy(r))
                for r in self._orders.values()
                if r["customer_id"] == customer_id and status in (None, r["status"])
            ]
        keyed = sorted(((o.created_at.isoformat(), o.id), o) for o in orders)
        keyed.reverse()
        if after is not None:
            keyed = [(k, o) for k, o in keyed if k < tuple(after)]
        page = keyed[:limit]
        more = len(keyed) > limit
        next_cursor = self._codec.encode({"after": list(page[-1][0])}, scope) if more else None
        return Page(tuple(o for _, o in page), next_cursor)

    def events_for(self, order_id: OrderId) -> list[OrderEvent]:
        with self._lock:
            records = [copy.deepcopy(r) for r in self._events if r["order_id"] == order_id]
        return [OrderEvent.from_record(r) for r in records]

    def all_events(self) -> list[OrderEvent]:
        with self._lock:
            records = copy.deepcopy(self._events)
        return sorted((OrderEvent.from_record(r) for r in records), key=event_log_key)
