"""The clock and id generator of a running service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from orders_core import OrderId


@dataclass(frozen=True, slots=True)
class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RandomOrderIds:
    """Random UUID4 ids: no coordination between writers, no guessable sequence."""

    def new_order_id(self) -> OrderId:
        return OrderId(str(uuid.uuid4()))
