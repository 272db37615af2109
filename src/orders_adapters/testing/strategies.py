"""Hypothesis strategies for the domain, shared by every tier that maps orders somewhere.

``orders()`` and ``order_events()`` are the entry points the storage round-trip tests use;
the smaller strategies are exposed for tests that need one piece (an amount, a line, ...).
Every value they produce satisfies core's invariants, including the bounds, so a mapping
test exercises the extremes a real order can reach.
"""

from __future__ import annotations

import operator
import string
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import strategies as st

from orders_core import (
    Discount,
    EventType,
    Money,
    NewLine,
    Order,
    OrderEvent,
    OrderId,
    OrderLine,
    OrderStatus,
)
from orders_core.money import MAX_ABS_AMOUNT, MINOR_UNITS
from orders_core.order import (
    MAX_DISCOUNTS,
    MAX_QUANTITY,
    MAX_UNIT_PRICE,
    event_id_for,
)
from orders_core.principals import CustomerId

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
