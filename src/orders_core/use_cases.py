"""The use cases: one class each, ports injected, a principal on every call.

Ownership rule shared by all of them: a customer sees and changes only its own orders, and an
order of another customer is reported as not found (its existence is not leaked). Staff see
and change every order.

What each returns, and why they differ: the changes a caller asks for (``PlaceOrder``,
``UpdateOrderLines``, ``CancelOrder``) return the changed ``Order``, which the caller shows;
the event-driven ones (``MarkPaid``, ``MarkShipped``, ``MarkDelivered``, ``ExpireOrder``)
return a ``Transition``, because their callers (the consumers of payment and shipment events) must
tell a change from a redelivered event that changed nothing; ``DeleteOrder`` returns None, as
there is no order left to return (its ``OrderDeleted`` event holds its last state).

Every error a caller can cause is an ``OrdersError``; see ``orders_core.rules`` for the input
rules and the field paths ``InvalidInput.fields`` uses. A store's own faults arrive as
``StoreUnavailable`` (retry may help) or ``StoreError``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, TypeVar

from orders_core.errors import (
    IllegalTransition,
    InvalidInput,
    OrderAlreadyExists,
    OrderNotFound,
    PaymentMismatch,
    PermissionDenied,
    VersionConflict,
)
from orders_core.idempotency import IdempotencyKeyReused, ReplayUnavailable, order_id_for_key
from orders_core.money import Money, check_currency
from orders_core.order import (
    ALLOWED_TRANSITIONS,
    MAX_LINES,
    EventType,
    Order,
    OrderEvent,
    OrderId,
    OrderLine,
    OrderStatus,
    check_order_id,
    subtotal_of,
)
from orders_core.ports import (
    MAX_PAGE_SIZE,
    Clock,
    FixedPaymentDeadline,
    IdGenerator,
    OrderRepository,
    Page,
    PaymentDeadlinePolicy,
    PricingPolicy,
    RecordPage,
    check_payment_window,
)
from orders_core.principals import CustomerId, Principal

DEFAULT_PAGE_SIZE: Final = 20
# Read-modify-write loops (cancel without a version, the event-driven transitions) retry a
# lost race this many times before reporting the conflict.
MAX_ATTEMPTS: Final = 5

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class NewLine:
    """A line as a caller gives it; ``unit_price`` is in major units (``"12.50"``)."""

    sku: str
    quantity: int
    unit_price: Decimal | int | str


@dataclass(frozen=True, slots=True)
class Transition:
    """The result of an event-driven transition: the order, and whether it changed now
    (False when the order had already reached that state, e.g. a redelivered event)."""

    order: Order
    changed: bool


@dataclass(frozen=True, slots=True)
class Placement:
    """The result of a keyed placement: the key's order as it was first placed, and whether
    an earlier call placed it (True: this call stored nothing and answers as that one did)."""

    order: Order
    replayed: bool


def _bounded_lines(lines: Iterable[NewLine]) -> list[NewLine]:
    if isinstance(lines, str | bytes) or not isinstance(lines, Iterable):
        raise InvalidInput("lines must be a list of NewLine", {"lines": "a list of NewLine"})
    # One past the bound is enough to refuse: an endless generator costs MAX_LINES + 1 draws.
    taken = list(itertools.islice(lines, MAX_LINES + 1))
    if not 1 <= len(taken) <= MAX_LINES:
        raise InvalidInput(
            f"an order has 1 to {MAX_LINES} lines", {"lines": f"1 to {MAX_LINES} lines"}
        )
    return taken


def build_lines(lines: Iterable[NewLine], currency: str) -> tuple[OrderLine, ...]:
    """Validate raw lines into OrderLines, naming each bad field as ``lines[i].field``."""
    check_currency(currency)
    built: list[OrderLine] = []
    problems: dict[str, str] = {}
    for index, raw in enumerate(_bounded_lines(lines)):
        if not isinstance(raw, NewLine):
            problems[f"lines[{index}]"] = f"a NewLine, not {type(raw).__name__}"
            continue
        try:
            price = Money.of(raw.unit_price, currency)
        except (InvalidInput, TypeError) as exc:
            problems[f"lines[{index}].unit_price"] = str(exc)
            continue
        try:
            built.append(OrderLine(raw.sku, raw.quantity, price))
        except InvalidInput as exc:
            problems.update({f"lines[{index}].{k}": v for k, v in exc.fields.items()})
    if problems:
        raise InvalidInput("invalid order lines", problems)
    return tuple(built)


def _load_visible(repo: OrderRepository, principal: Principal, order_id: str) -> Order:
    order = repo.get(check_order_id(order_id))
    if not principal.may_access(order.customer_id):
        raise OrderNotFound(f"order {order_id} not found")
    return order


def _require_staff(principal: Principal, action: str) -> None:
    if not principal.is_staff:
        raise PermissionDenied(f"only staff may {action}")


def _retrying(attempt: Callable[[], _T]) -> _T:
    for _ in range(MAX_ATTEMPTS - 1):
        try:
            return attempt()
        except VersionConflict:
            continue
    return attempt()


class PlaceOrder:
    """Place a new PENDING order for the calling customer.

    Rules: only customers place orders (for themselves); lines are validated and bounded; the
    pricing policy decides the discounts once, at placement; the deadline policy (default
    30 minutes) decides once how long the order has to be paid, and the order records that
    deadline as ``payment_due``; the order and its OrderPlaced event are stored together.

    With an idempotency key (:meth:`with_key`) the key binds to one order for good: the
    order's id is derived from the customer and the key, so only one attempt can store it,
    whatever crashed or timed out before. A later attempt with the same currency and lines
    gets that order as it was first placed (also after it changed or was deleted), marked as
    a replay; with other currency or lines it is IdempotencyKeyReused. When the first state
    is no longer kept (the store's events expired and the order changed since), it is
    ReplayUnavailable.
    """

    def __init__(
        self,
        repo: OrderRepository,
        pricing: PricingPolicy,
        clock: Clock,
        ids: IdGenerator,
        deadlines: PaymentDeadlinePolicy | None = None,
    ) -> None:
        self._repo, self._pricing, self._clock, self._ids = repo, pricing, clock, ids
        self._deadlines: PaymentDeadlinePolicy = deadlines or FixedPaymentDeadline()

    def __call__(self, principal: Principal, *, currency: str, lines: Iterable[NewLine]) -> Order:
        """Place an order of ``lines`` in ``currency`` for ``principal``; return it (PENDING,
        version 1, with the discounts the pricing policy granted).

        ``lines``: 1 to ``MAX_LINES`` ``NewLine`` values (a list, tuple or any iterable).

        Raises: ``PermissionDenied`` when ``principal`` is staff; ``InvalidInput`` (fields
        ``currency``, ``lines``, ``lines[i].sku|quantity|unit_price``) for input that breaks a
        rule of ``orders_core.rules``; ``OrderAlreadyExists`` if the id generator repeats an
        id; ``StoreUnavailable`` or ``StoreError`` for a fault of the store.
        """
        built = self._lines(principal, currency, lines)
        order, event = self._new(principal, self._ids.new_order_id(), currency, built)
        self._repo.add(order, [event])
        return order

    def with_key(
        self, principal: Principal, key: str, *, currency: str, lines: Iterable[NewLine]
    ) -> Placement:
        """Place the order of ``key``, or replay it if an earlier attempt placed it.

        Returns a ``Placement``: the order as first placed, and ``replayed`` (True when an
        earlier call placed it and this one stored nothing). Raises what ``__call__`` raises,
        and ``InvalidInput`` for a malformed key, ``IdempotencyKeyReused`` (an
        ``InvalidInput``) for the key with another currency or other lines,
        ``ReplayUnavailable`` (an ``OrderAlreadyExists``) when the first state is gone.
        """
        built = self._lines(principal, currency, lines)
        order_id = order_id_for_key(CustomerId(principal.id), key)
        order, event = self._new(principal, order_id, currency, built)
        try:
            self._repo.add(order, [event])
        except OrderAlreadyExists:
            first = self._first_placed(principal, order_id)
            if first.currency != currency or first.lines != built:
                raise IdempotencyKeyReused(
                    "this idempotency key already placed an order with another currency or "
                    "other lines"
                ) from None
            return Placement(first, replayed=True)
        return Placement(order, replayed=False)

    @staticmethod
    def _lines(
        principal: Principal, currency: str, lines: Iterable[NewLine]
    ) -> tuple[OrderLine, ...]:
        if principal.is_staff:
            raise PermissionDenied("orders are placed by customers")
        return build_lines(lines, currency)

    def _new(
        self,
        principal: Principal,
        order_id: OrderId,
        currency: str,
        lines: tuple[OrderLine, ...],
    ) -> tuple[Order, OrderEvent]:
        subtotal = subtotal_of(lines, currency)
        now = self._clock.now()
        # Checked here too: a policy that breaks its bounds must not place unpayable orders.
        window = check_payment_window(self._deadlines.payment_window())
        return Order.place(
            order_id=order_id,
            customer_id=CustomerId(principal.id),
            currency=currency,
            lines=lines,
            discounts=self._pricing.discounts_for(principal, subtotal),
            at=now,
            payment_due=now + window,
        )

    def _first_placed(self, principal: Principal, order_id: OrderId) -> Order:
        """The stored order ``order_id`` as it was placed (version 1)."""
        try:
            current: Order | None = self._repo.get(order_id)
        except OrderNotFound:
            current = None  # deleted since: its placement event still tells its first state
        # The usual retry finds the order untouched, and one read answers it.
        if current is not None and current.version == 1:
            first: Order | None = current
        else:
            placed = [
                e for e in self._repo.events_for(order_id) if e.type is EventType.ORDER_PLACED
            ]
            first = Order.from_record(placed[0].order) if placed else None
        if first is None:
            if current is not None and current.customer_id != principal.id:
                raise OrderAlreadyExists(f"order {order_id} already exists")
            # The id is derived from this customer and key, so the order was theirs.
            raise ReplayUnavailable(
                f"order {order_id} was placed with this idempotency key and has changed "
                "since; its first state is no longer kept"
            )
        if first.customer_id != principal.id:
            # Another customer's order under this id (an id not derived from this key, as
            # derived ones don't collide): nothing about it is told.
            raise OrderAlreadyExists(f"order {order_id} already exists")
        return first


class GetOrder:
    """Read one order. Another customer's order is not found."""

    def __init__(self, repo: OrderRepository) -> None:
        self._repo = repo

    def __call__(self, principal: Principal, order_id: str) -> Order:
        """Return the order ``order_id`` as stored now.

        Raises: ``InvalidInput`` (field ``order_id``) for an id that breaks the format;
        ``OrderNotFound`` when there is no such order, it was deleted, or it belongs to
        another customer; ``StoreUnavailable`` or ``StoreError`` for a fault of the store.
        """
        return _load_visible(self._repo, principal, order_id)


class ListOrders:
    """A page of one customer's orders, newest first, optionally only one status.

    Rules: a customer sees only its own orders: naming another customer lists nothing, as
    ``GetOrder`` finds nothing under another customer's order id; staff name the customer.
    ``limit`` is at least 1 and capped at MAX_PAGE_SIZE.
    """

    def __init__(self, repo: OrderRepository) -> None:
        self._repo = repo

    def __call__(
        self,
        principal: Principal,
        *,
        customer_id: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
        status: OrderStatus | None = None,
    ) -> Page:
        """One page of ``customer_id``'s orders (newest first), at most ``limit`` of them.

        ``customer_id``: omitted for a customer's own orders; required for staff.
        ``limit``: at least 1; above ``MAX_PAGE_SIZE`` it is capped, not refused.
        ``cursor``: the previous page's ``next_cursor``, for the same customer and status.
        ``status``: only orders in that status.

        Returns a ``Page`` (``items``, ``next_cursor`` None on the last page). For a customer
        naming another customer it is an empty last page, whether or not that customer has
        orders: another customer's orders are invisible, by id (``OrderNotFound``) and in a
        list alike, and neither answer tells whether they exist.

        Raises: ``InvalidInput`` (fields
        ``customer_id``, ``limit``) for staff naming no customer or a limit below 1;
        ``InvalidCursor`` for a malformed, tampered or foreign cursor; ``StoreUnavailable``
        or ``StoreError`` for a fault of the store.
        """
        listed = _listed_customer(principal, customer_id, limit)
        if listed is None:
            return Page((), None)
        return self._repo.list_for_customer(
            listed, limit=min(limit, MAX_PAGE_SIZE), cursor=cursor, status=status
        )

    def records(
        self,
        principal: Principal,
        *,
        customer_id: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
        status: OrderStatus | None = None,
    ) -> RecordPage:
        """The page ``__call__`` answers, under the same rules, as the stored records (see
        ``RecordPage``): for a reader that only serialises it. A store that offers
        ``RecordListing`` hands them over as stored; any other store's Orders are mapped."""
        listed = _listed_customer(principal, customer_id, limit)
        if listed is None:
            return RecordPage((), None)
        capped = min(limit, MAX_PAGE_SIZE)
        listing = getattr(self._repo, "list_records_for_customer", None)
        if listing is not None:
            page: RecordPage = listing(listed, limit=capped, cursor=cursor, status=status)
            return page
        orders = self._repo.list_for_customer(listed, limit=capped, cursor=cursor, status=status)
        return RecordPage(tuple(o.to_record() for o in orders.items), orders.next_cursor)


def _listed_customer(
    principal: Principal, customer_id: str | None, limit: int
) -> CustomerId | None:
    """Whose orders ``principal`` lists (None: another customer's, which lists nothing)."""
    if customer_id is None:
        if principal.is_staff:
            raise InvalidInput("staff must name a customer", {"customer_id": "required"})
        customer_id = principal.id
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInput("limit must be a positive integer", {"limit": "at least 1"})
    if not principal.may_access(CustomerId(customer_id)):
        return None
    return CustomerId(customer_id)


class UpdateOrderLines:
    """Replace the lines of a PENDING order.

    Rules: the caller states the version it read (optimistic locking); a stale version is a
    VersionConflict, a non-PENDING order an IllegalTransition; discounts granted at placement
    stay; the change and its OrderUpdated event are stored together.

    Checked in this order, so one request gets one answer whatever else is wrong with it:
    the order (not found), the version (conflict), the status (illegal transition), then the
    new lines (invalid input). A SHIPPED order is refused for its status even when the lines
    sent are invalid too: no lines would have been accepted.
    """

    def __init__(self, repo: OrderRepository, clock: Clock) -> None:
        self._repo, self._clock = repo, clock

    def __call__(
        self,
        principal: Principal,
        order_id: str,
        *,
        expected_version: int,
        lines: Iterable[NewLine],
    ) -> Order:
        """Replace the lines of ``order_id``, read at ``expected_version``; return the
        changed order (version ``expected_version + 1``).

        ``lines``: 1 to ``MAX_LINES`` ``NewLine`` values, in the order's currency.

        Raises: ``OrderNotFound`` (missing, deleted or another customer's);
        ``VersionConflict`` when the order is at another version; ``IllegalTransition`` when
        it is not PENDING; ``InvalidInput`` (fields ``order_id``, ``lines``,
        ``lines[i].sku|quantity|unit_price``) for input that breaks a rule, a line in another
        currency included (``CurrencyMismatch``); ``StoreUnavailable`` or ``StoreError`` for
        a fault of the store.
        """
        order = _load_visible(self._repo, principal, order_id)
        if order.version != expected_version:
            raise VersionConflict(
                f"order {order_id} is at version {order.version}, not {expected_version}"
            )
        if order.status is not OrderStatus.PENDING:
            raise IllegalTransition(f"lines of a {order.status} order cannot change")
        built = build_lines(lines, order.currency)
        event = order.replace_lines(built, at=self._clock.now())
        self._repo.save(order, expected_version=expected_version, events=[event])
        return order


class _ChangeStatus:
    """Shared shape of cancel/delete: an optional expected version, retried when absent."""

    def __init__(self, repo: OrderRepository, clock: Clock) -> None:
        self._repo, self._clock = repo, clock

    def _apply(
        self,
        principal: Principal,
        order_id: str,
        expected_version: int | None,
        change: Callable[[Order], OrderEvent],
        store: Callable[[Order, int, OrderEvent], None],
    ) -> Order:
        def attempt() -> Order:
            order = _load_visible(self._repo, principal, order_id)
            version = order.version
            if expected_version is not None and version != expected_version:
                raise VersionConflict(
                    f"order {order_id} is at version {version}, not {expected_version}"
                )
            store(order, version, change(order))
            return order

        return attempt() if expected_version is not None else _retrying(attempt)

    def _save(self, order: Order, version: int, event: OrderEvent) -> None:
        self._repo.save(order, expected_version=version, events=[event])


class CancelOrder(_ChangeStatus):
    """Cancel a PENDING or PAID order (anything else is an IllegalTransition).

    With ``expected_version`` the cancel applies only to that version; without it, the
    current version is cancelled, retrying a lost race a bounded number of times.
    """

    def __call__(
        self, principal: Principal, order_id: str, *, expected_version: int | None = None
    ) -> Order:
        """Cancel ``order_id``; return the cancelled order.

        Raises: ``InvalidInput`` (field ``order_id``) for a malformed id; ``OrderNotFound``
        (missing, deleted or another customer's); ``IllegalTransition`` when it is SHIPPED,
        DELIVERED or already CANCELLED; ``VersionConflict`` when ``expected_version`` is
        given and stale, or when racing writers won every bounded retry;
        ``StoreUnavailable`` or ``StoreError`` for a fault of the store.
        """
        now = self._clock.now()
        return self._apply(
            principal, order_id, expected_version, lambda o: o.cancel(at=now), self._save
        )


class DeleteOrder(_ChangeStatus):
    """Delete a PENDING or CANCELLED order; an OrderDeleted event is stored with it."""

    def __call__(
        self, principal: Principal, order_id: str, *, expected_version: int | None = None
    ) -> None:
        """Delete ``order_id``. Returns None: nothing is left to return, and the stored
        ``OrderDeleted`` event carries the order's last state.

        Raises: ``InvalidInput`` (field ``order_id``) for a malformed id; ``OrderNotFound``
        (missing, already deleted or another customer's); ``IllegalTransition`` when it is
        PAID, SHIPPED or DELIVERED (a financial record stays); ``VersionConflict`` as for
        ``CancelOrder``; ``StoreUnavailable`` or ``StoreError`` for a fault of the store.
        """
        now = self._clock.now()

        def remove(order: Order, version: int, event: OrderEvent) -> None:
            self._repo.delete(order.id, expected_version=version, events=[event])

        self._apply(principal, order_id, expected_version, lambda o: o.delete(at=now), remove)


def _reachable(*, avoiding: OrderStatus | None = None) -> frozenset[OrderStatus]:
    """The statuses the lifecycle reaches from placement without passing ``avoiding``."""
    seen, waiting = {OrderStatus.PENDING}, [OrderStatus.PENDING]
    while waiting:
        for status in ALLOWED_TRANSITIONS[waiting.pop()] - seen:
            if status is not avoiding:
                seen.add(status)
                waiting.append(status)
    return frozenset(seen)


# For each status, those that every way through the lifecycle to them passes it: an order in
# one of them has certainly been in it. An event-driven move to a status the order has
# reached so is a no-op, so a redelivered or late event is safe; elsewhere (a cancelled order
# may never have been paid) the lifecycle rule answers. Read from ALLOWED_TRANSITIONS, so a
# new status (one reached only after delivery, say) needs no line here. Every way starts at
# PENDING and no event moves an order there, so it has no entry.
_PASSED_THROUGH: Final[Mapping[OrderStatus, frozenset[OrderStatus]]] = {
    target: frozenset({target} | (_reachable() - _reachable(avoiding=target)))
    for target in OrderStatus
    if target is not OrderStatus.PENDING
}


class _EventDrivenTransition:
    target: OrderStatus

    def __init__(self, repo: OrderRepository, clock: Clock) -> None:
        self._repo, self._clock = repo, clock

    def _change(self, order: Order) -> OrderEvent:
        raise NotImplementedError

    def __call__(self, principal: Principal, order_id: str) -> Transition:
        """Move ``order_id`` to this use case's status; see the class docstring.

        Returns a ``Transition``: the order and ``changed`` (False when it had already
        reached the status or passed it, as for a redelivered event).

        Raises: ``PermissionDenied`` unless ``principal`` is staff; ``InvalidInput`` (field
        ``order_id``) for a malformed id; ``OrderNotFound``; ``IllegalTransition`` when the
        lifecycle forbids the move; ``VersionConflict`` when racing writers won every
        bounded retry; ``StoreUnavailable`` or ``StoreError`` for a fault of the store.
        """
        return self._run(principal, order_id, None)

    def _run(
        self, principal: Principal, order_id: str, check: Callable[[Order], None] | None
    ) -> Transition:
        _require_staff(principal, f"mark orders {self.target.lower()}")

        def attempt() -> Transition:
            order = self._repo.get(check_order_id(order_id))
            if order.status in _PASSED_THROUGH[self.target]:
                return Transition(order, changed=False)
            version = order.version
            event = self._change(order)  # the lifecycle rule first: IllegalTransition
            if check is not None:
                check(order)  # then the caller's, on the changed (not yet saved) order
            self._repo.save(order, expected_version=version, events=[event])
            return Transition(order, changed=True)

        return _retrying(attempt)


class MarkPaid(_EventDrivenTransition):
    """Mark a PENDING order paid (staff or the payments consumer). Idempotent: an order
    already paid, shipped or delivered is returned unchanged; a cancelled one is an
    IllegalTransition.

    ``amount`` is what the payment took: when given, a PENDING order whose total differs (in
    amount or currency) is refused with PaymentMismatch and stays PENDING. The lifecycle rule
    is checked first, so a cancelled order is refused for its status whatever the amount.
    """

    target = OrderStatus.PAID

    def __call__(
        self, principal: Principal, order_id: str, *, amount: Money | None = None
    ) -> Transition:
        """Mark ``order_id`` paid, by a payment of ``amount`` when given.

        Returns a ``Transition`` (``changed`` False for an order already paid, shipped or
        delivered). Raises what ``MarkShipped.__call__`` raises, and ``PaymentMismatch``
        (an ``IllegalTransition``) when ``amount`` differs from a PENDING order's total.
        """
        if amount is None:
            return self._run(principal, order_id, None)
        paid = amount

        def matches_total(order: Order) -> None:
            total = order.total
            if (paid.currency, paid.amount) != (total.currency, total.amount):
                raise PaymentMismatch(
                    f"order {order.id} totals {total.amount} {total.currency}; "
                    f"the payment was {paid.amount} {paid.currency}"
                )

        return self._run(principal, order_id, matches_total)

    def _change(self, order: Order) -> OrderEvent:
        return order.mark_paid(at=self._clock.now())


class MarkShipped(_EventDrivenTransition):
    """Mark a PAID order shipped. Idempotent like MarkPaid; a PENDING order (not yet paid)
    or a cancelled one is an IllegalTransition."""

    target = OrderStatus.SHIPPED

    def _change(self, order: Order) -> OrderEvent:
        return order.mark_shipped(at=self._clock.now())


class MarkDelivered(_EventDrivenTransition):
    """Mark a SHIPPED order delivered. Idempotent like MarkPaid; an order not yet shipped is
    an IllegalTransition."""

    target = OrderStatus.DELIVERED

    def _change(self, order: Order) -> OrderEvent:
        return order.mark_delivered(at=self._clock.now())


class ExpireOrder:
    """Let an unpaid order go at its payment deadline (the deadline workflow, the local
    scheduler, or staff).

    Rules: a PENDING order whose ``payment_due`` has passed becomes CANCELLED, and its
    ``OrderCancelled`` event has the reason ``payment_deadline``. Idempotent and
    order-tolerant: an order already paid (or shipped, delivered) or cancelled, for whatever
    reason, is left alone, so running it twice changes nothing the second time, and a payment
    that landed first wins. An order not yet due (a caller early by clock skew) or one placed
    without a deadline is left alone too. Racing writers are retried a bounded number of times.
    """

    def __init__(self, repo: OrderRepository, clock: Clock) -> None:
        self._repo, self._clock = repo, clock

    def __call__(self, principal: Principal, order_id: str) -> Transition:
        """Expire ``order_id`` if it is due now.

        Returns a ``Transition``: ``changed`` True when this call cancelled it; False when it
        was left alone (see the class docstring). Whether a False one is still to come is
        ``transition.order.is_due`` at a later time: still PENDING with a later deadline.

        Raises: ``PermissionDenied`` unless ``principal`` is staff; ``InvalidInput`` (field
        ``order_id``) for a malformed id; ``OrderNotFound`` when there is no such order (or it
        was deleted); ``VersionConflict`` when racing writers won every bounded retry;
        ``StoreUnavailable`` or ``StoreError`` for a fault of the store.
        """
        _require_staff(principal, "expire orders")

        def attempt() -> Transition:
            order = self._repo.get(check_order_id(order_id))
            now = self._clock.now()
            if not order.is_due(now):
                return Transition(order, changed=False)
            version = order.version
            event = order.expire(at=now)
            self._repo.save(order, expected_version=version, events=[event])
            return Transition(order, changed=True)

        return _retrying(attempt)


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "CancelOrder",
    "DeleteOrder",
    "ExpireOrder",
    "GetOrder",
    "ListOrders",
    "MarkDelivered",
    "MarkPaid",
    "MarkShipped",
    "NewLine",
    "PlaceOrder",
    "Placement",
    "Transition",
    "UpdateOrderLines",
    "build_lines",
]
