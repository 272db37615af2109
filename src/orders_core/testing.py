"""A test kit for code that uses orders_core: standard library only, installed with it.

- :class:`ManualClock`: a ``Clock`` that moves only when told (or by a fixed tick per read).
- :class:`SequentialIds`: an ``IdGenerator`` giving ``order-000001``, ``order-000002``, ...
- :class:`EventRecorder`: wraps any ``OrderRepository`` and records, in write order, the
  events of every write that succeeded through it.
- :class:`OrderBuilder`: an order in any lifecycle state, reached through the real
  transitions, with its events; :func:`line` for one ``OrderLine``; :func:`lifecycle_paths`
  for every path the lifecycle allows, read from its transition table.
- :class:`UseCases`: every use case wired to one store and the ports above.

Hypothesis strategies, a pytest plugin and the public store contract suite need third-party
packages and come with the ``testing`` extra, in ``orders_adapters.testing``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final, Generic, TypeVar

from orders_core.money import Money
from orders_core.order import (
    ALLOWED_TRANSITIONS,
    Discount,
    Order,
    OrderEvent,
    OrderId,
    OrderLine,
    OrderStatus,
    check_order_id,
)
from orders_core.ports import (
    Clock,
    FixedPaymentDeadline,
    IdGenerator,
    NoDiscounts,
    OrderRepository,
    Page,
    PaymentDeadlinePolicy,
    PricingPolicy,
)
from orders_core.principals import CustomerId
from orders_core.timestamps import utc
from orders_core.use_cases import (
    CancelOrder,
    DeleteOrder,
    ExpireOrder,
    GetOrder,
    ListOrders,
    MarkDelivered,
    MarkPaid,
    MarkShipped,
    PlaceOrder,
    UpdateOrderLines,
)

EPOCH: Final = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
"""The default start of :class:`ManualClock` and :class:`OrderBuilder`: a fixed, aware time."""


class ManualClock:
    """A ``Clock`` under the test's control; thread-safe.

    ``now()`` returns the current moment and then moves it on by ``tick`` (zero by default:
    a frozen clock). :meth:`advance` moves it forward, :meth:`set` to a given moment. It never
    goes backwards unless asked with ``set(moment, backwards=True)``: a test that steps back
    by mistake gets a ``ValueError`` instead of orders whose times quietly stop changing.
    """

    def __init__(self, start: datetime = EPOCH, *, tick: timedelta = timedelta(0)) -> None:
        if tick < timedelta(0):
            raise ValueError("tick must not be negative")
        self._moment = utc(start)
        self._tick = tick
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current moment; the clock then moves on by ``tick``."""
        with self._lock:
            moment = self._moment
            self._moment += self._tick
        return moment

    def peek(self) -> datetime:
        """The moment ``now()`` would return, without moving the clock."""
        with self._lock:
            return self._moment

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` (not negative); return the new moment."""
        if delta < timedelta(0):
            raise ValueError("advance() only moves forward; use set(..., backwards=True)")
        with self._lock:
            self._moment += delta
            return self._moment

    def set(self, moment: datetime, *, backwards: bool = False) -> None:
        """Jump to ``moment`` (aware); earlier than now only with ``backwards=True``."""
        moment = utc(moment)
        with self._lock:
            if moment < self._moment and not backwards:
                raise ValueError(
                    f"{moment.isoformat()} is before the clock's {self._moment.isoformat()}; "
                    "pass backwards=True to step back on purpose"
                )
            self._moment = moment


class SequentialIds:
    """An ``IdGenerator`` of ``<prefix>-000001``, ``<prefix>-000002``, ...; thread-safe.

    ``prefix`` must make valid order ids (letters, digits, ``_`` and ``-``).
    """

    def __init__(self, prefix: str = "order", *, start: int = 1) -> None:
        check_order_id(f"{prefix}-{start:06d}")
        self._prefix = prefix
        self._next = start
        self._lock = threading.Lock()

    def new_order_id(self) -> OrderId:
        with self._lock:
            number = self._next
            self._next += 1
        return check_order_id(f"{self._prefix}-{number:06d}")


class EventRecorder:
    """An ``OrderRepository`` that passes every call to ``inner`` and records the events of
    each write that succeeded, in the order the writes returned.

    Works over any store, including those without ``all_events`` (DynamoDB). Only writes made
    through the recorder are seen. Thread-safe as far as ``inner`` is.
    """

    def __init__(self, inner: OrderRepository) -> None:
        self.inner = inner
        self._events: list[OrderEvent] = []
        self._lock = threading.Lock()

    @property
    def events(self) -> list[OrderEvent]:
        """The recorded events, oldest write first (a copy)."""
        with self._lock:
            return list(self._events)

    def types(self) -> list[str]:
        """The recorded events' types, e.g. ``["OrderPlaced", "OrderPaid"]``."""
        return [event.type.value for event in self.events]

    def clear(self) -> None:
        with self._lock:
            self._events.clear()

    def _record(self, events: Sequence[OrderEvent]) -> None:
        with self._lock:
            self._events.extend(events)

    def get(self, order_id: OrderId) -> Order:
        return self.inner.get(order_id)

    def add(self, order: Order, events: Sequence[OrderEvent]) -> None:
        self.inner.add(order, events)
        self._record(events)

    def save(self, order: Order, *, expected_version: int, events: Sequence[OrderEvent]) -> None:
        self.inner.save(order, expected_version=expected_version, events=events)
        self._record(events)

    def delete(
        self, order_id: OrderId, *, expected_version: int, events: Sequence[OrderEvent]
    ) -> None:
        self.inner.delete(order_id, expected_version=expected_version, events=events)
        self._record(events)

    def list_for_customer(
        self,
        customer_id: CustomerId,
        *,
        limit: int,
        cursor: str | None = None,
        status: OrderStatus | None = None,
    ) -> Page:
        return self.inner.list_for_customer(customer_id, limit=limit, cursor=cursor, status=status)

    def events_for(self, order_id: OrderId) -> list[OrderEvent]:
        return self.inner.events_for(order_id)


def line(
    sku: str = "SKU-1", quantity: int = 1, price: str = "10.00", currency: str = "EUR"
) -> OrderLine:
    """One valid ``OrderLine``; ``price`` in major units."""
    return OrderLine(sku, quantity, Money.of(price, currency))


def lifecycle_paths() -> dict[OrderStatus, tuple[tuple[OrderStatus, ...], ...]]:
    """Every path the lifecycle allows from placement, by the status it ends in, shortest
    first (ties in ``OrderStatus`` order); PENDING's is the empty path.

    Read from ``ALLOWED_TRANSITIONS`` breadth-first, so a new status or transition is here
    (and in :meth:`OrderBuilder.in_status`) without a line of its own. A status no path
    reaches is missing.
    """
    found: dict[OrderStatus, list[tuple[OrderStatus, ...]]] = {}
    waiting: deque[tuple[OrderStatus, ...]] = deque([()])
    while waiting:
        path = waiting.popleft()
        here = path[-1] if path else OrderStatus.PENDING
        found.setdefault(here, []).append(path)
        waiting.extend(
            (*path, status)
            for status in OrderStatus
            if status in ALLOWED_TRANSITIONS[here] and status not in (OrderStatus.PENDING, *path)
        )
    return {status: tuple(found[status]) for status in OrderStatus if status in found}


# The shortest way through the lifecycle to each status.
_SHORTEST: Final = {status: paths[0] for status, paths in lifecycle_paths().items()}


@dataclass(frozen=True, slots=True)
class OrderBuilder:
    """An order in any state, built through the real transitions (so its version, times and
    events are those the use cases would produce). Each ``with_``/``in_`` method returns a new
    builder; defaults: ``order-1`` of ``customer-1``, one EUR line, placed at :data:`EPOCH`.

    ::

        order = OrderBuilder().with_lines(line("A-1", 2)).in_status(OrderStatus.SHIPPED).build()
        order = OrderBuilder(order_id="o-2").paid().cancelled().store_in(repo)
    """

    order_id: str = "order-1"
    customer_id: str = "customer-1"
    currency: str = "EUR"
    lines: tuple[OrderLine, ...] = ()
    discounts: tuple[Discount, ...] = ()
    at: datetime = EPOCH
    step: timedelta = timedelta(minutes=1)
    path: tuple[OrderStatus, ...] = field(default=())
    payment_due: datetime | None = None

    def due_at(self, payment_due: datetime | None) -> OrderBuilder:
        """Placed with this payment deadline (None, the default: without one)."""
        return replace(self, payment_due=payment_due)

    def with_lines(self, *lines: OrderLine) -> OrderBuilder:
        return replace(self, lines=lines)

    def with_discounts(self, *percents: tuple[str, Decimal | int | str]) -> OrderBuilder:
        """Discounts granted at placement, as ``("premium", "10")`` pairs."""
        found = tuple(Discount(code, Decimal(percent)) for code, percent in percents)
        return replace(self, discounts=found)

    def in_status(self, status: OrderStatus) -> OrderBuilder:
        """The shortest path to ``status`` (CANCELLED straight from PENDING)."""
        return replace(self, path=_SHORTEST[OrderStatus(status)])

    def through(self, *statuses: OrderStatus) -> OrderBuilder:
        """This exact path of transitions after placement (e.g. PAID, CANCELLED)."""
        return replace(self, path=tuple(OrderStatus(s) for s in statuses))

    def paid(self) -> OrderBuilder:
        return replace(self, path=(*self.path, OrderStatus.PAID))

    def shipped(self) -> OrderBuilder:
        return replace(self, path=(*self.path, OrderStatus.SHIPPED))

    def delivered(self) -> OrderBuilder:
        return replace(self, path=(*self.path, OrderStatus.DELIVERED))

    def cancelled(self) -> OrderBuilder:
        return replace(self, path=(*self.path, OrderStatus.CANCELLED))

    def build_with_events(self) -> tuple[Order, list[OrderEvent]]:
        """The order and every event of its history, oldest first (``IllegalTransition``
        for a path the lifecycle forbids)."""
        order, placed = Order.place(
            order_id=check_order_id(self.order_id),
            customer_id=CustomerId(self.customer_id),
            currency=self.currency,
            lines=self.lines or (line(currency=self.currency),),
            discounts=self.discounts,
            at=self.at,
            payment_due=self.payment_due,
        )
        events = [placed]
        for index, status in enumerate(self.path, start=1):
            moment = self.at + self.step * index
            if status is OrderStatus.PENDING:
                raise ValueError(f"{status} is where an order starts, not a transition")
            events.append(order.move_to(status, at=moment))
        return order, events

    def build(self) -> Order:
        return self.build_with_events()[0]

    def store_in(self, repo: OrderRepository) -> Order:
        """Write the order to ``repo`` one change at a time, as the use cases would, so the
        store holds its whole history; return the order as stored last."""
        order, events = self.build_with_events()
        # Each event carries the order as that change left it: the states to write.
        repo.add(Order.from_record(events[0].order), events[:1])
        for event in events[1:]:
            snapshot = Order.from_record(event.order)
            repo.save(snapshot, expected_version=snapshot.version - 1, events=[event])
        return order


StoreT = TypeVar("StoreT", bound=OrderRepository)


@dataclass(slots=True)
class UseCases(Generic[StoreT]):
    """Every use case wired to ``store``, with a :class:`ManualClock` that ticks a second
    per read and :class:`SequentialIds` unless given other ports. Generic in the store, so
    ``UseCases(InMemoryOrderRepository()).store`` keeps its type for a type checker."""

    store: StoreT
    clock: Clock = field(default_factory=lambda: ManualClock(tick=timedelta(seconds=1)))
    ids: IdGenerator = field(default_factory=SequentialIds)
    pricing: PricingPolicy = field(default_factory=NoDiscounts)
    deadlines: PaymentDeadlinePolicy = field(default_factory=FixedPaymentDeadline)
    place: PlaceOrder = field(init=False)
    get: GetOrder = field(init=False)
    list_orders: ListOrders = field(init=False)
    update_lines: UpdateOrderLines = field(init=False)
    cancel: CancelOrder = field(init=False)
    delete: DeleteOrder = field(init=False)
    mark_paid: MarkPaid = field(init=False)
    mark_shipped: MarkShipped = field(init=False)
    mark_delivered: MarkDelivered = field(init=False)
    expire: ExpireOrder = field(init=False)

    def __post_init__(self) -> None:
        store, clock = self.store, self.clock
        self.place = PlaceOrder(store, self.pricing, clock, self.ids, self.deadlines)
        self.get = GetOrder(store)
        self.list_orders = ListOrders(store)
        self.update_lines = UpdateOrderLines(store, clock)
        self.cancel = CancelOrder(store, clock)
        self.delete = DeleteOrder(store, clock)
        self.mark_paid = MarkPaid(store, clock)
        self.mark_shipped = MarkShipped(store, clock)
        self.mark_delivered = MarkDelivered(store, clock)
        self.expire = ExpireOrder(store, clock)


def placed_order(
    order_id: str = "order-1",
    customer_id: str = "customer-1",
    *,
    at: datetime = EPOCH,
    lines: Iterable[OrderLine] | None = None,
    currency: str = "EUR",
    payment_due: datetime | None = None,
) -> tuple[Order, OrderEvent]:
    """A just-placed order and its ``OrderPlaced`` event (shorthand for the builder)."""
    builder = OrderBuilder(
        order_id=order_id, customer_id=customer_id, currency=currency, at=at
    ).due_at(payment_due)
    order, [event] = builder.with_lines(*(lines or ())).build_with_events()
    return order, event


__all__ = [
    "EPOCH",
    "EventRecorder",
    "ManualClock",
    "OrderBuilder",
    "SequentialIds",
    "UseCases",
    "lifecycle_paths",
    "line",
    "placed_order",
]
