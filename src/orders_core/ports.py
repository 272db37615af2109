"""The ports: what core needs from the outside world, as small Protocols.

Adapters in ``orders_adapters`` implement them; the in-memory store is the reference
implementation, and one contract suite (tests/contract) holds every store to these docstrings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Protocol, runtime_checkable

from orders_core.errors import InvalidConfiguration, InvalidInput
from orders_core.money import Money
from orders_core.order import Discount, Order, OrderEvent, OrderId, OrderStatus
from orders_core.principals import CustomerId, CustomerTier, Principal

MAX_PAGE_SIZE = 100
DEFAULT_PAYMENT_DEADLINE: Final = timedelta(minutes=30)
"""How long a new order has to be paid when nothing else is configured."""
MIN_PAYMENT_DEADLINE: Final = timedelta(seconds=1)
MAX_PAYMENT_DEADLINE: Final = timedelta(days=30)
"""The longest deadline a setting may give; a Standard workflow waits up to a year."""
MAX_DUE_BATCH: Final = 100


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a customer's orders, newest first.

    ``next_cursor`` is an opaque token for the following page, or None on the last page.
    """

    items: tuple[Order, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class RecordPage:
    """A :class:`Page` as the stored records (the form of ``Order.to_record``), for a reader
    that only serialises them: the store validated each order when it was written, so the
    records are trusted rather than rebuilt as Orders. Read-only: they may be the store's own.
    """

    records: tuple[Mapping[str, Any], ...]
    next_cursor: str | None


class RecordListing(Protocol):
    """What a store may offer besides :class:`OrderRepository`: ``list_for_customer``'s very
    page, same order, cursor and errors, as records."""

    def list_records_for_customer(
        self,
        customer_id: CustomerId,
        *,
        limit: int,
        cursor: str | None = None,
        status: OrderStatus | None = None,
    ) -> RecordPage: ...


class OrderRepository(Protocol):
    """Durable storage of orders and, atomically with each change, that change's events.

    Semantics every implementation keeps:

    - Reads return independent copies: changing a returned Order changes nothing stored.
    - ``add`` stores a new order and its events, or raises ``OrderAlreadyExists`` and stores
      nothing: when an order with that id is stored, and also when one was stored and deleted.
      A deleted order's id never carries a new order (every store keeps a tombstone), so the
      event ids derived from an order's id and version are unique for good.
    - ``save`` replaces the stored order only if its stored version equals
      ``expected_version``; ``order.version`` must be ``expected_version + 1``. A different
      stored version raises ``VersionConflict``, a missing order ``OrderNotFound``; either way
      nothing is written, events included.
    - ``delete`` removes the order under the same version condition and stores its events;
      afterwards the order is ``OrderNotFound`` to ``get``, ``save`` and ``delete``, absent
      from every list, and its events stay readable through ``events_for``.
    - The events of a write belong to its order and are at the version it writes (else
      ``ValueError``, nothing stored): with tombstones, no two stored events share an order
      and version, so no two share an id.
    - Events written with a change become visible exactly when the change does, and never
      without it (the outbox).
    - ``list_for_customer`` returns the customer's orders newest first (``created_at``, then
      id, descending), at most ``limit`` per page (1 to ``MAX_PAGE_SIZE``), only those with
      ``status`` when given. A cursor is valid only for the same customer and status filter;
      any other, malformed or tampered cursor raises ``InvalidCursor``. Walking the pages
      returns each order that existed throughout the walk exactly once.
    - Every fault of the store itself raises one of two errors, and nothing partial is
      written whichever is raised (a write is all or nothing):

      - ``StoreUnavailable``: a retry may help (busy, throttled, unreachable, timed out, a
        connection lost mid-write, a disk that is full or failing);
      - ``StoreError``: a retry will not help (refused for permissions or read-only storage,
        a missing or foreign table, a file that is not a database, a corrupt database, an
        item or row that cannot be read back as an order or event).

      No other exception type escapes for a fault of the store; the errors above
      (``OrderNotFound``, ``VersionConflict``, ``InvalidCursor``, ``InvalidInput`` for a bad
      ``limit``, ``ValueError`` for a write that breaks the preconditions) are answers about
      the request, not faults.
    """

    def get(self, order_id: OrderId) -> Order:
        """The stored order; ``OrderNotFound`` if there is none."""
        ...

    def add(self, order: Order, events: Sequence[OrderEvent]) -> None:
        """Store a new order with the events of its creation."""
        ...

    def save(self, order: Order, *, expected_version: int, events: Sequence[OrderEvent]) -> None:
        """Replace the stored order, conditional on ``expected_version``."""
        ...

    def delete(
        self, order_id: OrderId, *, expected_version: int, events: Sequence[OrderEvent]
    ) -> None:
        """Remove the order, conditional on ``expected_version``, storing ``events``."""
        ...

    def list_for_customer(
        self,
        customer_id: CustomerId,
        *,
        limit: int,
        cursor: str | None = None,
        status: OrderStatus | None = None,
    ) -> Page:
        """A page of the customer's orders, newest first."""
        ...

    def events_for(self, order_id: OrderId) -> list[OrderEvent]:
        """The stored events of an order (also after its deletion), oldest first."""
        ...


def event_log_key(event: OrderEvent) -> tuple[datetime, str, int]:
    """The one order of :meth:`EventLog.all_events`: time, then order id, then version."""
    return (event.occurred_at, event.order_id, event.order_version)


class EventLog(Protocol):
    """Every event a store holds, in one order on every store: for tests, local tooling and
    audits, not for a request path (a store may have to read all of itself to answer).

    ``all_events`` returns each stored event once, deleted orders' included, sorted by
    :func:`event_log_key`: ``occurred_at``, then ``order_id``, then ``order_version``. An
    order's ``occurred_at`` never goes back from one version to the next (see
    ``orders_core.order``), so each order's events come oldest first, and the same events
    come in the same order whichever store holds them. It is not the commit order, which a
    store such as DynamoDB has no way to give; a test that needs the order of writes wraps the
    store in ``orders_core.testing.EventRecorder``.

    The memory and SQLite stores implement it; the DynamoDB store does not (it would be a
    Scan of the whole table); the store contract suite requires it of the store under test.
    """

    def all_events(self) -> list[OrderEvent]:
        """Every stored event, sorted by :func:`event_log_key`."""
        ...


@dataclass(frozen=True, slots=True)
class FailedEvent:
    """An event that was not published, with the bus's (or its client's) error code."""

    event: OrderEvent
    error_code: str
    error_message: str = ""


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What happened to each event of one ``publish`` call; both tuples keep input order."""

    published: tuple[OrderEvent, ...]
    failed: tuple[FailedEvent, ...]

    @property
    def ok(self) -> bool:
        return not self.failed


class EventPublisher(Protocol):
    """Puts order events on a bus, where other services read them.

    ``publish`` tries every event of the call and answers what became of each: an event in
    ``failed`` was not published (the caller may offer it again; events carry deterministic
    ids, so a consumer drops a repeat). A failure of the bus or of the way to it is answered
    the same way, per event, and never raised. Implementations:
    ``orders_adapters.eventbridge.EventBridgePublisher``; locally, the printer of
    ``orders events``.
    """

    def publish(self, events: Sequence[OrderEvent]) -> PublishResult:
        """Publish ``events``; each is either in ``published`` or in ``failed``."""
        ...


@runtime_checkable
class ExpiryIndex(Protocol):
    """The orders due to expire, read from an index by status and deadline (never a scan).

    ``due_for_expiry`` returns the ids of PENDING orders whose ``payment_due`` is at or before
    ``now``, earliest deadline first (then by id), at most ``limit`` (1 to
    ``MAX_DUE_BATCH``, else ``InvalidInput``). Orders without a deadline are never listed, nor
    are paid, cancelled or deleted ones. The answer may lag the latest writes (DynamoDB
    answers from a global secondary index, which is eventually consistent): a caller re-reads
    each order before acting on it, as ``ExpireOrder`` does. Faults of the store raise
    ``StoreUnavailable`` or ``StoreError``, as for ``OrderRepository``.
    """

    def due_for_expiry(self, now: datetime, *, limit: int) -> list[OrderId]:
        """Ids of PENDING orders due by ``now``, earliest deadline first."""
        ...


class PaymentDeadlinePolicy(Protocol):
    """How long a newly placed order has to be paid, from configuration or feature flags.

    Read once per placement; the order records the deadline it gets, so a later change of
    the setting moves no existing order. Must not raise for configuration trouble: when its
    source fails it returns ``DEFAULT_PAYMENT_DEADLINE``, so orders keep being placed.
    """

    def payment_window(self) -> timedelta:
        """The time to pay, from ``MIN_PAYMENT_DEADLINE`` to ``MAX_PAYMENT_DEADLINE``."""
        ...


def check_payment_window(window: object) -> timedelta:
    """``window`` if it is a ``timedelta`` within the bounds, else ``InvalidConfiguration``."""
    if not isinstance(window, timedelta) or not (
        MIN_PAYMENT_DEADLINE <= window <= MAX_PAYMENT_DEADLINE
    ):
        raise InvalidConfiguration(
            f"payment deadline {window!r}: a timedelta from {MIN_PAYMENT_DEADLINE} to "
            f"{MAX_PAYMENT_DEADLINE}"
        )
    return window


@dataclass(frozen=True, slots=True)
class FixedPaymentDeadline:
    """A PaymentDeadlinePolicy with one set window (default 30 minutes), checked when built."""

    window: timedelta = DEFAULT_PAYMENT_DEADLINE

    def __post_init__(self) -> None:
        check_payment_window(self.window)

    def payment_window(self) -> timedelta:
        return self.window


class PricingPolicy(Protocol):
    """The discounts that apply to an order, from feature flags or configuration.

    Must not raise for configuration trouble: when its source fails it returns the documented
    defaults (no discount unless configured otherwise), so orders keep working.
    """

    def discounts_for(self, principal: Principal, subtotal: Money) -> tuple[Discount, ...]:
        """Discounts for an order of ``subtotal`` placed or changed by ``principal``."""
        ...


class Clock(Protocol):
    """The current time."""

    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...


class IdGenerator(Protocol):
    """New order ids."""

    def new_order_id(self) -> OrderId:
        """A fresh id, unique for practical purposes, matching the order id format."""
        ...


@dataclass(frozen=True, slots=True)
class NoDiscounts:
    """A PricingPolicy that gives no discount: the default when no flags are configured."""

    def discounts_for(self, principal: Principal, subtotal: Money) -> tuple[Discount, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class FixedDiscounts:
    """A PricingPolicy with set percentages: ``premium`` for premium customers, ``campaign``
    for everyone; either may be None (off). Useful for tests and for services without a flag
    store.

    Each percent is a ``Decimal`` above 0, at most 100, with at most 2 decimals, checked here:
    a bad one raises ``InvalidConfiguration`` when the policy is built, rather than failing
    every order it would price with the caller's ``InvalidInput``.
    """

    premium: Decimal | None = None
    campaign: Decimal | None = None

    def __post_init__(self) -> None:
        for code in ("premium", "campaign"):
            percent = getattr(self, code)
            if percent is None:
                continue
            if isinstance(percent, float):  # Decimal(10.5) would work, Decimal(0.1) would not
                raise InvalidConfiguration(
                    f"{code} discount {percent!r} is a float; give a Decimal, e.g. "
                    f"Decimal('{percent}')"
                )
            try:
                Discount(code, percent)
            except InvalidInput as exc:
                raise InvalidConfiguration(
                    f"{code} discount {percent!r}: above 0, at most 100, 2 decimals, a Decimal"
                ) from exc

    def discounts_for(self, principal: Principal, subtotal: Money) -> tuple[Discount, ...]:
        found: list[Discount] = []
        if self.premium is not None and principal.tier is CustomerTier.PREMIUM:
            found.append(Discount("premium", self.premium))
        if self.campaign is not None:
            found.append(Discount("campaign", self.campaign))
        return tuple(found)
