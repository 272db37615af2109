"""The Order aggregate: its lines, its lifecycle and the events its changes produce.

Lifecycle: ``PENDING → PAID → SHIPPED → DELIVERED`` and ``PENDING | PAID → CANCELLED``.
Lines change only while PENDING. An order placed with a payment deadline (``payment_due``)
that is still PENDING once the deadline has passed may expire: it becomes CANCELLED with the
reason :attr:`CancelReason.PAYMENT_DEADLINE`, through the same ``OrderCancelled`` event as any
other cancellation (its ``reason`` says which). An order may be deleted while PENDING or
CANCELLED (a paid, shipped or delivered order is a financial record and stays). Every change
bumps ``version`` by exactly one and returns exactly one :class:`OrderEvent`.

Time only moves forward for an order: a change stamps ``updated_at`` with the later of the
time it is given and the order's previous ``updated_at``, so a clock that steps back (an NTP
correction, two hosts out of step) never makes a later version look older. The event carries
that same time as ``occurred_at``: an order's events are in time order and each matches the
snapshot it carries.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, NewType

from orders_core.errors import CurrencyMismatch, IllegalTransition, InvalidInput
from orders_core.money import MINOR_UNITS, Money, check_currency, check_same_currency
from orders_core.principals import CustomerId
from orders_core.timestamps import format_time, parse_time, utc

OrderId = NewType("OrderId", str)

MAX_LINES: Final = 100
MAX_QUANTITY: Final = 1_000
MAX_UNIT_PRICE: Final = Decimal("1000000")
MAX_DISCOUNTS: Final = 5
MAX_TOTAL_DISCOUNT_PERCENT: Final = Decimal(50)
SKU_PATTERN: Final = re.compile(r"[A-Z0-9][A-Z0-9-]{1,31}")
ORDER_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
DISCOUNT_CODE_PATTERN: Final = re.compile(r"[a-z0-9_-]{1,64}")

# Event ids are uuid5(namespace, "<order id>:<version>"): a given version of a given order is
# produced by exactly one change, so redelivery of the same change keeps the same id.
EVENT_NAMESPACE: Final = uuid.UUID("6f1c4a2e-8d0b-5c39-9a57-3e2f0d7c41b8")


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


ALLOWED_TRANSITIONS: Final[Mapping[OrderStatus, frozenset[OrderStatus]]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
DELETABLE: Final = frozenset({OrderStatus.PENDING, OrderStatus.CANCELLED})


class EventType(StrEnum):
    ORDER_PLACED = "OrderPlaced"
    ORDER_UPDATED = "OrderUpdated"
    ORDER_CANCELLED = "OrderCancelled"
    ORDER_PAID = "OrderPaid"
    ORDER_SHIPPED = "OrderShipped"
    ORDER_DELIVERED = "OrderDelivered"
    ORDER_DELETED = "OrderDeleted"


class CancelReason(StrEnum):
    """Why an order was cancelled, carried by its ``OrderCancelled`` event."""

    REQUESTED = "requested"
    """A customer or staff asked for it."""
    PAYMENT_DEADLINE = "payment_deadline"
    """It was still unpaid at its payment deadline (``ExpireOrder``)."""


_EVENT_FOR_STATUS: Final = {
    OrderStatus.PAID: EventType.ORDER_PAID,
    OrderStatus.SHIPPED: EventType.ORDER_SHIPPED,
    OrderStatus.DELIVERED: EventType.ORDER_DELIVERED,
    OrderStatus.CANCELLED: EventType.ORDER_CANCELLED,
}


def _optional_time(text: object) -> datetime | None:
    return None if text is None else parse_time(str(text))


def check_order_id(value: str) -> OrderId:
    if not isinstance(value, str) or not ORDER_ID_PATTERN.fullmatch(value):
        raise InvalidInput(
            f"{value!r} is not an order id", {"order_id": "1-64 letters, digits, _ or -"}
        )
    return OrderId(value)


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One product in an order: ``quantity`` units of ``sku`` at ``unit_price`` each."""

    sku: str
    quantity: int
    unit_price: Money

    def __post_init__(self) -> None:
        problems: dict[str, str] = {}
        if not isinstance(self.sku, str) or not SKU_PATTERN.fullmatch(self.sku):
            problems["sku"] = "2-32 characters: A-Z, 0-9 and '-', starting with A-Z or 0-9"
        if (
            isinstance(self.quantity, bool)
            or not isinstance(self.quantity, int)
            or not 1 <= self.quantity <= MAX_QUANTITY
        ):
            problems["quantity"] = f"a whole number from 1 to {MAX_QUANTITY}"
        if not isinstance(self.unit_price, Money):
            problems["unit_price"] = "must be Money"
        elif not Decimal(0) < self.unit_price.amount <= MAX_UNIT_PRICE:
            problems["unit_price"] = f"greater than 0 and at most {MAX_UNIT_PRICE}"
        if problems:
            raise InvalidInput("invalid order line", problems)

    @property
    def total(self) -> Money:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class Discount:
    """A named percentage off the subtotal, e.g. ``Discount("premium", Decimal(10))``."""

    code: str
    percent: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not DISCOUNT_CODE_PATTERN.fullmatch(self.code):
            raise InvalidInput("invalid discount code", {"code": "1-64 of a-z, 0-9, _ or -"})
        if (
            not isinstance(self.percent, Decimal)
            or not self.percent.is_finite()
            or not Decimal(0) < self.percent <= Decimal(100)
            or self.percent != self.percent.quantize(Decimal("0.01"))
        ):
            raise InvalidInput(
                "invalid discount percent", {"percent": "above 0, at most 100, 2 decimals"}
            )
        # One form per value: 10, 10.0 and 10.00 are the same discount, stored and shown alike.
        object.__setattr__(self, "percent", self.percent.quantize(Decimal("0.01")))


def _check_lines(lines: Sequence[OrderLine], currency: str) -> tuple[OrderLine, ...]:
    if not 1 <= len(lines) <= MAX_LINES:
        raise InvalidInput(
            f"an order has 1 to {MAX_LINES} lines", {"lines": f"1 to {MAX_LINES} lines"}
        )
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if not isinstance(line, OrderLine):
            raise TypeError("lines must be OrderLine values")
        if line.unit_price.currency != currency:
            raise CurrencyMismatch(
                f"line {index} is in {line.unit_price.currency}, the order in {currency}",
                {f"lines[{index}].unit_price": f"must be in {currency}"},
            )
        if line.sku in seen:
            raise InvalidInput(
                f"sku {line.sku} appears twice", {f"lines[{index}].sku": "duplicate sku"}
            )
        seen.add(line.sku)
    return tuple(lines)


def _check_discounts(discounts: Iterable[Discount]) -> tuple[Discount, ...]:
    result = tuple(sorted(discounts, key=lambda d: d.code))
    if len(result) > MAX_DISCOUNTS or len({d.code for d in result}) != len(result):
        raise InvalidInput("too many or repeated discounts", {"discounts": "at most 5, unique"})
    return result


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """A domain event: one state change of one order.

    ``order`` is the order's snapshot after the change (for ``OrderDeleted``, the order as it
    was when deleted, at the deletion's version), as produced by :meth:`Order.to_record`.
    ``reason`` is set on ``OrderCancelled`` only (None on other types, and on cancellations
    stored before reasons existed).
    """

    event_id: str
    type: EventType
    order_id: OrderId
    customer_id: CustomerId
    order_version: int
    occurred_at: datetime
    order: Mapping[str, Any]
    reason: CancelReason | None = None

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_record` reverses it exactly."""
        record: dict[str, Any] = {
            "event_id": self.event_id,
            "type": self.type.value,
            "order_id": self.order_id,
            "customer_id": self.customer_id,
            "order_version": self.order_version,
            "occurred_at": format_time(self.occurred_at),
            "order": dict(self.order),
        }
        if self.reason is not None:
            record["reason"] = self.reason.value
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> OrderEvent:
        return cls(
            event_id=str(record["event_id"]),
            type=EventType(record["type"]),
            order_id=OrderId(str(record["order_id"])),
            customer_id=CustomerId(str(record["customer_id"])),
            order_version=int(record["order_version"]),
            occurred_at=parse_time(str(record["occurred_at"])),
            order=dict(record["order"]),
            reason=None if record.get("reason") is None else CancelReason(record["reason"]),
        )


def event_id_for(order_id: str, version: int) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{order_id}:{version}"))


def _discount_percent(discounts: Iterable[Discount]) -> Decimal:
    return min(sum((d.percent for d in discounts), Decimal(0)), MAX_TOTAL_DISCOUNT_PERCENT)


def subtotal_of(lines: Iterable[OrderLine], currency: str) -> Money:
    """The sum of the lines' totals in ``currency`` (CurrencyMismatch for a line in another):
    an order's subtotal, before discounts."""
    # Summed in minor units: every line total and partial sum is positive and at most the
    # final sum, so checking the range once, on the sum, is checking it everywhere.
    units = 0
    for line in lines:
        check_same_currency(currency, line.unit_price)
        units += line.unit_price.minor_units * line.quantity
    return Money.from_minor(units, currency)


@dataclass(frozen=True, slots=True)
class _Amounts:
    """An order's computed amounts and the state they were computed from."""

    lines: tuple[OrderLine, ...]
    discounts: tuple[Discount, ...]
    currency: str
    subtotal: Money
    discount: Money
    total: Money

    @classmethod
    def of(
        cls, lines: tuple[OrderLine, ...], discounts: tuple[Discount, ...], currency: str
    ) -> _Amounts:
        subtotal = subtotal_of(lines, currency)
        percent = _discount_percent(discounts)
        if not percent:  # nothing off: nothing to round, and the total is the subtotal
            return cls(lines, discounts, currency, subtotal, Money.zero(currency), subtotal)
        discount = subtotal.percent(percent)
        return cls(lines, discounts, currency, subtotal, discount, subtotal - discount)


@dataclass(eq=False, slots=True)
class Order:
    """An order. Compares by identity (its id), as an entity does: two versions of one order
    are ``==`` and hash alike. Use :meth:`same_state` (or :meth:`to_record`) to compare state.

    Create with :meth:`place`; change only through its methods, each of which validates the
    transition, bumps the version and returns the event describing the change.

    ``payment_due`` is the payment deadline recorded at placement (None for orders placed
    without one, as every order stored before deadlines existed was): it never moves, and
    it stays on the order after it is paid or cancelled, as the deadline it had.
    """

    id: OrderId
    customer_id: CustomerId
    currency: str
    lines: tuple[OrderLine, ...]
    status: OrderStatus
    version: int
    created_at: datetime
    updated_at: datetime
    discounts: tuple[Discount, ...] = field(default=())
    payment_due: datetime | None = None
    _computed: _Amounts | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_order_id(self.id)
        check_currency(self.currency)
        self.lines = _check_lines(self.lines, self.currency)
        self.discounts = _check_discounts(self.discounts)
        self.status = OrderStatus(self.status)
        self.created_at = utc(self.created_at)
        self.updated_at = utc(self.updated_at)
        if self.payment_due is not None:
            self.payment_due = utc(self.payment_due)
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise ValueError("version is a positive int")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Order) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    @classmethod
    def place(
        cls,
        *,
        order_id: OrderId,
        customer_id: CustomerId,
        currency: str,
        lines: Sequence[OrderLine],
        discounts: Iterable[Discount],
        at: datetime,
        payment_due: datetime | None = None,
    ) -> tuple[Order, OrderEvent]:
        """A new PENDING order at version 1 and its OrderPlaced event; ``payment_due``, when
        given, is its payment deadline and must not be before ``at``."""
        if payment_due is not None and utc(payment_due) < utc(at):
            raise ValueError("an order's payment deadline cannot be before its placement")
        order = cls(
            id=order_id,
            customer_id=customer_id,
            currency=currency,
            lines=tuple(lines),
            status=OrderStatus.PENDING,
            version=1,
            created_at=at,
            updated_at=at,
            discounts=tuple(discounts),
            payment_due=payment_due,
        )
        return order, order._event(EventType.ORDER_PLACED)

    # -- computed amounts ------------------------------------------------------------------

    def _amounts(self) -> _Amounts:
        # Computed once per state: a response or a record reads them several times. The
        # cache names the lines, discounts and currency it was computed from, so any change
        # (replace_lines, or plain assignment to this mutable entity) recomputes.
        cached = self._computed
        if (
            cached is None
            or cached.lines is not self.lines
            or cached.discounts is not self.discounts
            or cached.currency != self.currency
        ):
            cached = self._computed = _Amounts.of(self.lines, self.discounts, self.currency)
        return cached

    @property
    def subtotal(self) -> Money:
        return self._amounts().subtotal

    @property
    def discount_percent(self) -> Decimal:
        """The discounts add up, capped at :data:`MAX_TOTAL_DISCOUNT_PERCENT`."""
        return _discount_percent(self.discounts)

    @property
    def discount(self) -> Money:
        """Rounded once, on the subtotal (not per line), with the one rounding rule."""
        return self._amounts().discount

    @property
    def total(self) -> Money:
        return self._amounts().total

    # -- changes ---------------------------------------------------------------------------

    def replace_lines(self, lines: Sequence[OrderLine], *, at: datetime) -> OrderEvent:
        """New lines for a PENDING order; the discounts granted when it was placed stay."""
        if self.status is not OrderStatus.PENDING:
            raise IllegalTransition(f"lines of a {self.status} order cannot change")
        self.lines = _check_lines(tuple(lines), self.currency)
        return self._changed(EventType.ORDER_UPDATED, at)

    def cancel(self, *, at: datetime) -> OrderEvent:
        """Cancel on request (a PENDING or PAID order); the event's reason is REQUESTED."""
        return self.move_to(OrderStatus.CANCELLED, at=at)

    def is_due(self, at: datetime) -> bool:
        """True when this order is PENDING with a payment deadline at or before ``at``."""
        return (
            self.status is OrderStatus.PENDING
            and self.payment_due is not None
            and self.payment_due <= utc(at)
        )

    def expire(self, *, at: datetime) -> OrderEvent:
        """Cancel an unpaid order whose payment deadline has passed by ``at``; the event's
        reason is PAYMENT_DEADLINE. Anything else (paid, cancelled, no deadline, not yet
        due) is an IllegalTransition: the caller decides whether that is news."""
        if not self.is_due(at):
            raise IllegalTransition(
                f"a {self.status} order with payment deadline "
                f"{'none' if self.payment_due is None else format_time(self.payment_due)} "
                f"cannot expire at {format_time(at)}"
            )
        return self._move_to(OrderStatus.CANCELLED, at, CancelReason.PAYMENT_DEADLINE)

    def move_to(self, status: OrderStatus, *, at: datetime) -> OrderEvent:
        """The lifecycle's move to ``status``, whichever it is (``IllegalTransition`` unless
        :data:`ALLOWED_TRANSITIONS` allows it): what ``mark_paid``, ``cancel`` and the other
        named moves do, for code that walks the lifecycle table. A move to CANCELLED is a
        requested cancellation; an expiry is :meth:`expire`."""
        status = OrderStatus(status)
        reason = CancelReason.REQUESTED if status is OrderStatus.CANCELLED else None
        return self._move_to(status, at, reason)

    def mark_paid(self, *, at: datetime) -> OrderEvent:
        return self._move_to(OrderStatus.PAID, at)

    def mark_shipped(self, *, at: datetime) -> OrderEvent:
        return self._move_to(OrderStatus.SHIPPED, at)

    def mark_delivered(self, *, at: datetime) -> OrderEvent:
        return self._move_to(OrderStatus.DELIVERED, at)

    def delete(self, *, at: datetime) -> OrderEvent:
        """The event of deleting this order; the store removes it along with the event."""
        if self.status not in DELETABLE:
            raise IllegalTransition(f"a {self.status} order cannot be deleted")
        return self._changed(EventType.ORDER_DELETED, at)

    def can_move_to(self, status: OrderStatus) -> bool:
        return status in ALLOWED_TRANSITIONS[self.status]

    def _move_to(
        self, status: OrderStatus, at: datetime, reason: CancelReason | None = None
    ) -> OrderEvent:
        if not self.can_move_to(status):
            raise IllegalTransition(f"a {self.status} order cannot become {status}")
        self.status = status
        return self._changed(_EVENT_FOR_STATUS[status], at, reason)

    def _changed(
        self, event_type: EventType, at: datetime, reason: CancelReason | None = None
    ) -> OrderEvent:
        self.version += 1
        # created_at too, for an order built by hand with updated_at before it.
        self.updated_at = max(utc(at), self.updated_at, self.created_at)
        return self._event(event_type, reason)

    def _event(self, event_type: EventType, reason: CancelReason | None = None) -> OrderEvent:
        return OrderEvent(
            event_id=event_id_for(self.id, self.version),
            type=event_type,
            order_id=self.id,
            customer_id=self.customer_id,
            order_version=self.version,
            occurred_at=self.updated_at,
            order=self.to_record(),
            reason=reason,
        )

    # -- mapping ---------------------------------------------------------------------------

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole state (amounts as minor-unit ints, times as text).

        Every store maps orders through this form, and events carry it; :meth:`from_record`
        reverses it exactly. Computed totals are included for readers but ignored on load.
        ``payment_due`` is present only for an order that has a deadline.
        """
        amounts = self._amounts()
        record: dict[str, Any] = {
            "id": self.id,
            "customer_id": self.customer_id,
            "currency": self.currency,
            "status": self.status.value,
            "version": self.version,
            "created_at": format_time(self.created_at),
            "updated_at": format_time(self.updated_at),
            "lines": [
                {"sku": ln.sku, "quantity": ln.quantity, "unit_price": ln.unit_price.minor_units}
                for ln in self.lines
            ],
            "discounts": [{"code": d.code, "percent": str(d.percent)} for d in self.discounts],
            "subtotal": amounts.subtotal.minor_units,
            "discount": amounts.discount.minor_units,
            "total": amounts.total.minor_units,
            "minor_units": MINOR_UNITS[self.currency],
        }
        if self.payment_due is not None:
            record["payment_due"] = format_time(self.payment_due)
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Order:
        currency = str(record["currency"])
        return cls(
            id=OrderId(str(record["id"])),
            customer_id=CustomerId(str(record["customer_id"])),
            currency=currency,
            status=OrderStatus(record["status"]),
            version=int(record["version"]),
            created_at=parse_time(str(record["created_at"])),
            updated_at=parse_time(str(record["updated_at"])),
            lines=tuple(
                OrderLine(
                    sku=str(ln["sku"]),
                    quantity=int(ln["quantity"]),
                    unit_price=Money.from_minor(int(ln["unit_price"]), currency),
                )
                for ln in record["lines"]
            ),
            discounts=tuple(
                Discount(str(d["code"]), Decimal(str(d["percent"]))) for d in record["discounts"]
            ),
            payment_due=(
                None
                if record.get("payment_due") is None
                else parse_time(str(record["payment_due"]))
            ),
        )

    def same_state(self, other: Order) -> bool:
        """True when ``other`` holds exactly this order's state (not just its id)."""
        return self.to_record() == other.to_record()
