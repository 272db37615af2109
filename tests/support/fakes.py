"""Deterministic clock and ids for tests (the ports make time and ids injectable)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from orders_core import OrderId

EPOCH = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class SteppingClock:
    """Each call to now() is ``step`` later than the one before; thread-safe."""

    def __init__(self, start: datetime = EPOCH, step: timedelta = timedelta(seconds=1)) -> None:
        self._next = start
        self._step = step
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            moment = self._next
            self._next += self._step
        return moment


class FrozenClock:
    """Always the same moment, until moved with :meth:`advance`."""

    def __init__(self, moment: datetime = EPOCH) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


class SequentialIds:
    """order-000001, order-000002, ...; thread-safe."""

    def __init__(self, prefix: str = "order") -> None:
        self._prefix = prefix
        self._count = 0
        self._lock = threading.Lock()

    def new_order_id(self) -> OrderId:
        with self._lock:
            self._count += 1
            return OrderId(f"{self._prefix}-{self._count:06d}")
