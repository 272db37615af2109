"""Every use case wired to one store with deterministic ports, as a test sees the service:
the shipped kit's ``UseCases``, with the names these tests grew up with."""

from __future__ import annotations

from typing import Protocol

from orders_core import EventLog, NewLine, OrderRepository, Principal, UpdateOrderLines
from orders_core.testing import UseCases


class EventedStore(OrderRepository, EventLog, Protocol):
    """A store that can also list every event it holds (memory and SQLite can)."""


class Service(UseCases[EventedStore]):
    @property
    def update(self) -> UpdateOrderLines:
        return self.update_lines


ALICE = Principal.customer("alice")
BOB = Principal.customer("bob")
STAFF = Principal.staff("staff:support")


def a_line(sku: str = "SKU-1", quantity: int = 1, price: str = "10.00") -> NewLine:
    return NewLine(sku, quantity, price)
