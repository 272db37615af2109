"""Hypothesis strategies for the orders domain (the ``testing`` extra).

Valid values: :func:`currencies`, :func:`skus`, :func:`quantities`, :func:`money`,
:func:`unit_prices`, :func:`order_lines` / :func:`new_lines` (what a caller sends),
:func:`discounts`, :func:`order_ids`, :func:`customer_ids`, :func:`principals`.
Every value satisfies core's rules (``orders_core.rules``), bounds included, so a test
exercises the extremes a real order can reach.

Invalid input: :func:`invalid_lines` draws lines that break exactly one rule, with the kind
of break and the ``InvalidInput.fields`` key core reports for it.

Orders: :func:`orders` is any state a store could hold (any status and version, for mapping
round trips); :func:`lifecycle_orders` and :func:`order_histories` reach a status through the
real transitions, with the events they produced; :func:`order_events` is one event.
"""

# Annotations here are evaluated, not postponed: st.composite's wrappers keep the drawn
# function's annotations, and as strings they would resolve in hypothesis's namespace, so
# the API reference could not name the types.
import operator
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Final

from hypothesis import strategies as st

from orders_core import (
    CURRENCY_MINOR_UNITS,
    MAX_ABS_AMOUNT,
    MAX_DISCOUNTS,
    MAX_LINES,
    MAX_QUANTITY,
    MAX_UNIT_PRICE,
    SKU_PATTERN,
    CustomerId,
    CustomerTier,
    Discount,
    EventType,
    Money,
    NewLine,
    Order,
    OrderEvent,
    OrderId,
    OrderLine,
    OrderStatus,
    Principal,
    event_id_for,
)
from orders_core.testing import OrderBuilder, lifecycle_paths

MINOR_UNITS = CURRENCY_MINOR_UNITS

CURRENCIES = tuple(sorted(MINOR_UNITS))
# Kept small by default so generated orders stay cheap; the bound itself is tested by unit tests.
DEFAULT_MAX_LINES = 6

_EARLIEST = datetime(2000, 1, 1)  # noqa: DTZ001 - hypothesis bounds are naive by contract
_LATEST = datetime(2099, 12, 31)  # noqa: DTZ001


def currencies() -> st.SearchStrategy[str]:
    return st.sampled_from(CURRENCIES)


def _scale(currency: str) -> int:
    return int(10 ** MINOR_UNITS[currency])


def money(
    currency: str | None = None, *, min_minor: int | None = None, max_minor: int | None = None
) -> st.SearchStrategy[Money]:
    """Any representable amount (bounded by MAX_ABS_AMOUNT) in ``currency`` or any currency."""

    def in_currency(code: str) -> st.SearchStrategy[Money]:
        bound = int(MAX_ABS_AMOUNT) * _scale(code)
        low = -bound if min_minor is None else max(min_minor, -bound)
        high = bound if max_minor is None else min(max_minor, bound)
        return st.integers(low, high).map(lambda units: Money.from_minor(units, code))

    if currency is not None:
        return in_currency(currency)
    return currencies().flatmap(in_currency)


def unit_prices(currency: str) -> st.SearchStrategy[Money]:
    """A valid line price: above zero, at most MAX_UNIT_PRICE."""
    return money(currency, min_minor=1, max_minor=int(MAX_UNIT_PRICE) * _scale(currency))


_UPPER_DIGITS = string.ascii_uppercase + string.digits


def _joined(first: str, rest: str, max_rest: int, min_rest: int = 0) -> st.SearchStrategy[str]:
    # Composed from plain text strategies rather than from_regex: same values, faster draws.
    return st.builds(
        operator.add,
        st.sampled_from(first),
        st.text(alphabet=rest, min_size=min_rest, max_size=max_rest),
    )


def skus() -> st.SearchStrategy[str]:
    """Anything SKU_PATTERN accepts."""
    return _joined(_UPPER_DIGITS, _UPPER_DIGITS + "-", 31, min_rest=1)


def quantities() -> st.SearchStrategy[int]:
    return st.integers(1, MAX_QUANTITY)


def order_lines(
    currency: str, *, max_lines: int = DEFAULT_MAX_LINES
) -> st.SearchStrategy[tuple[OrderLine, ...]]:
    """1 to ``max_lines`` valid lines in ``currency`` with distinct skus."""
    line = st.builds(OrderLine, sku=skus(), quantity=quantities(), unit_price=unit_prices(currency))
    return st.lists(line, min_size=1, max_size=max_lines, unique_by=lambda ln: ln.sku).map(tuple)


def new_lines(
    currency: str, *, max_lines: int = DEFAULT_MAX_LINES
) -> st.SearchStrategy[list[NewLine]]:
    """What a caller would send for ``order_lines`` (prices as text in major units)."""
    return order_lines(currency, max_lines=max_lines).map(
        lambda lines: [NewLine(ln.sku, ln.quantity, str(ln.unit_price.amount)) for ln in lines]
    )


_LOWER_CODE = string.ascii_lowercase + string.digits + "_-"


def discount_percents() -> st.SearchStrategy[Decimal]:
    return st.integers(1, 10_000).map(lambda hundredths: Decimal(hundredths).scaleb(-2))


def discounts() -> st.SearchStrategy[tuple[Discount, ...]]:
    """Up to MAX_DISCOUNTS discounts with distinct codes; the percents may add past the cap."""
    discount = st.builds(
        Discount,
        code=_joined(_LOWER_CODE, _LOWER_CODE, 11),
        percent=discount_percents(),
    )
    return st.lists(discount, max_size=MAX_DISCOUNTS, unique_by=lambda d: d.code).map(tuple)


def order_ids() -> st.SearchStrategy[OrderId]:
    """Anything ORDER_ID_PATTERN accepts."""
    alphabet = string.ascii_letters + string.digits + "_-"
    return _joined(alphabet, alphabet, 63).map(OrderId)


def customer_ids() -> st.SearchStrategy[CustomerId]:
    """Customer ids as an identity provider might issue them: any text, 1 to 128 characters."""
    return st.text(min_size=1, max_size=128).map(CustomerId)


def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Aware datetimes in UTC or a fixed offset, so mappings must normalise to UTC."""
    offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
    return st.datetimes(_EARLIEST, _LATEST, timezones=st.just(UTC) | offsets)


@st.composite
def orders(
    draw: st.DrawFn,
    *,
    currency: str | None = None,
    status: OrderStatus | None = None,
    max_lines: int = DEFAULT_MAX_LINES,
) -> Order:
    """A valid Order in any status and version, as a store could hold it."""
    code = draw(currencies()) if currency is None else currency
    created_at = draw(aware_datetimes())
    later = draw(st.timedeltas(timedelta(0), timedelta(days=400)))
    return Order(
        id=draw(order_ids()),
        customer_id=draw(customer_ids()),
        currency=code,
        lines=draw(order_lines(code, max_lines=max_lines)),
        status=draw(st.sampled_from(OrderStatus)) if status is None else status,
        version=draw(st.integers(1, 10_000)),
        created_at=created_at,
        updated_at=created_at + later,
        discounts=draw(discounts()),
    )


@st.composite
def order_events(draw: st.DrawFn, *, event_type: EventType | None = None) -> OrderEvent:
    """An event as the aggregate emits it: for the order's current version, with its snapshot."""
    order = draw(orders())
    return OrderEvent(
        event_id=event_id_for(order.id, order.version),
        type=draw(st.sampled_from(EventType)) if event_type is None else event_type,
        order_id=order.id,
        customer_id=order.customer_id,
        order_version=order.version,
        occurred_at=order.updated_at,
        order=order.to_record(),
    )


def principals(*, staff: bool | None = None) -> st.SearchStrategy[Principal]:
    """Customers of either tier and staff (only one kind with ``staff`` True or False)."""
    customers = st.builds(Principal.customer, customer_ids(), st.sampled_from(CustomerTier))
    staff_members = st.builds(Principal.staff, customer_ids())
    if staff is None:
        return customers | staff_members
    return staff_members if staff else customers


# Each kind of bad line, and the field core names for it ({i} is the line's index).
INVALID_LINE_KINDS: Final[dict[str, str]] = {
    "sku": "lines[{i}].sku",
    "quantity": "lines[{i}].quantity",
    "unit_price": "lines[{i}].unit_price",
    "duplicate_sku": "lines[{i}].sku",
    "none": "lines",
    "too_many": "lines",
}


@dataclass(frozen=True, slots=True)
class InvalidLines:
    """Lines that break one rule: ``kind`` (a key of :data:`INVALID_LINE_KINDS`) and
    ``field``, the ``InvalidInput.fields`` key core reports."""

    lines: list[NewLine]
    kind: str
    field: str


_BAD_SKUS = st.one_of(
    st.just(""),
    st.text(alphabet=_UPPER_DIGITS, min_size=1, max_size=1),
    st.text(alphabet=_UPPER_DIGITS, min_size=33, max_size=40),
    _joined("-", _UPPER_DIGITS, 5, min_rest=1),
    _joined(string.ascii_lowercase, _UPPER_DIGITS, 5, min_rest=1),
    st.text(min_size=2, max_size=10).filter(lambda t: not SKU_PATTERN.fullmatch(t)),
)


def _bad_prices(currency: str) -> st.SearchStrategy[Decimal | int | str]:
    places = MINOR_UNITS[currency]
    above_bound = int(MAX_UNIT_PRICE) * _scale(currency)
    return st.one_of(
        st.integers(-(10**6), 0),  # zero or negative
        st.integers(above_bound + 1, above_bound * 10).map(  # above MAX_UNIT_PRICE
            lambda units: str(Decimal(units).scaleb(-places))
        ),
        # One decimal more than the currency has, its last digit not 0.
        st.integers(1, 10**6)
        .filter(lambda n: n % 10 != 0)
        .map(lambda n: str(Decimal(n).scaleb(-places - 1))),
        st.sampled_from(["", "abc", "1e3", "NaN", " 1", "1_000"]),  # not a plain decimal
    )


@st.composite
def invalid_lines(draw: st.DrawFn, currency: str, *, kind: str | None = None) -> InvalidLines:
    """Lines in ``currency`` that break exactly one rule (of ``kind``, or any kind)."""
    chosen = draw(st.sampled_from(sorted(INVALID_LINE_KINDS))) if kind is None else kind
    if chosen == "none":
        return InvalidLines([], chosen, "lines")
    good = draw(new_lines(currency, max_lines=3))
    if chosen == "too_many":
        extra = [NewLine(f"X-{n}", 1, "1") for n in range(MAX_LINES + 1 - len(good))]
        return InvalidLines(good + extra, chosen, "lines")
    index = draw(st.integers(0, len(good) - 1))
    target = good[index]
    if chosen == "sku":
        bad = NewLine(draw(_BAD_SKUS), target.quantity, target.unit_price)
    elif chosen == "quantity":
        quantity = draw(st.integers(-1000, 0) | st.integers(MAX_QUANTITY + 1, 10**9))
        bad = NewLine(target.sku, quantity, target.unit_price)
    elif chosen == "unit_price":
        bad = NewLine(target.sku, target.quantity, draw(_bad_prices(currency)))
    elif chosen == "duplicate_sku":
        if len(good) == 1:
            good.append(good[0])
            index = 1
        else:
            index = max(index, 1)
        bad = NewLine(good[0].sku, good[index].quantity, good[index].unit_price)
    else:
        raise ValueError(f"unknown kind of invalid line {chosen!r}")
    good[index] = bad
    return InvalidLines(good, chosen, INVALID_LINE_KINDS[chosen].format(i=index))


# Every path the lifecycle allows from placement, by the status it ends in (derived from
# core's transition table by the test kit).
LIFECYCLE_PATHS: Final = lifecycle_paths()


@st.composite
def order_histories(
    draw: st.DrawFn,
    *,
    status: OrderStatus | None = None,
    currency: str | None = None,
    max_lines: int = DEFAULT_MAX_LINES,
) -> tuple[Order, list[OrderEvent]]:
    """An order that reached ``status`` (or any) through the real transitions, and every
    event of its history, oldest first; ``OrderBuilder.store_in`` writes such a history."""
    end = draw(st.sampled_from(OrderStatus)) if status is None else status
    path = draw(st.sampled_from(LIFECYCLE_PATHS[end]))
    code = draw(currencies()) if currency is None else currency
    builder = OrderBuilder(
        order_id=draw(order_ids()),
        customer_id=draw(customer_ids()),
        currency=code,
        at=draw(aware_datetimes()),
        step=draw(st.timedeltas(timedelta(0), timedelta(days=30))),
    )
    lines = draw(order_lines(code, max_lines=max_lines))
    return builder.with_lines(*lines).through(*path).build_with_events()


def lifecycle_orders(
    *, status: OrderStatus | None = None, currency: str | None = None
) -> st.SearchStrategy[Order]:
    """An order in ``status`` (or any), reached through the real transitions."""
    return order_histories(status=status, currency=currency).map(lambda history: history[0])
