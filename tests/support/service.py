"""Every use case wired to one store with deterministic ports, as a test sees the service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from orders_core import (
    CancelOrder,
    Clock,
    DeleteOrder,
    GetOrder,
    IdGenerator,
    ListOrders,
    MarkDelivered,
    MarkPaid,
    MarkShipped,
    NewLine,
    NoDiscounts,
    OrderEvent,
    OrderRepository,
    PlaceOrder,
    PricingPolicy,
    Principal,
    UpdateOrderLines,
)
from tests.support.fakes import SequentialIds, SteppingClock


class EventedStore(OrderRepository, Protocol):
    """A store that can also list every event it holds (memory and SQLite can)."""

    def all_events(self) -> list[OrderEvent]: ...


@dataclass(slots=True)
class Service:
    store: EventedStore
    pricing: PricingPolicy = field(default_factory=NoDiscounts)
    clock: Clock = field(default_factory=SteppingClock)
    ids: IdGenerator = field(default_factory=SequentialIds)
    place: PlaceOrder = field(init=False)
    get: GetOrder = field(init=False)
    list_orders: ListOrders = field(init=False)
    update: UpdateOrderLines = field(init=False)
    cancel: CancelOrder = field(init=False)
    delete: DeleteOrder = field(init=False)
    mark_paid: MarkPaid = field(init=False)
    mark_shipped: MarkShipped = field(init=False)
    mark_delivered: MarkDelivered = field(init=False)

    def __post_init__(self) -> None:
        store, clock = self.store, self.clock
        self.place = PlaceOrder(store, self.pricing, clock, self.ids)
        self.get = GetOrder(store)
        self.list_orders = ListOrders(store)
        self.update = UpdateOrderLines(store, clock)
        self.cancel = CancelOrder(store, clock)
        self.delete = DeleteOrder(store, clock)
        self.mark_paid = MarkPaid(store, clock)
        self.mark_shipped = MarkShipped(store, clock)
        self.mark_delivered = MarkDelivered(store, clock)


ALICE = Principal.customer("alice")
BOB = Principal.customer("bob")
STAFF = Principal.staff("staff:support")


def a_line(sku: str = "SKU-1", quantity: int = 1, price: str = "10.00") -> NewLine:
    return NewLine(sku, quantity, price)
