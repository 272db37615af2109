"""The shortcuts taken for speed give what the full computations give: Money built by
arithmetic passes the public validation, an order's cached amounts follow every change, and the
in-memory store's key read off a record is the order's sort key."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders_adapters.memory import _record_sort_key
from orders_adapters.shared import sort_key
from orders_adapters.testing.strategies import currencies, money, order_lines, orders, quantities
from orders_core import (
    CustomerId,
    Discount,
    InvalidInput,
    Money,
    Order,
    OrderId,
    OrderLine,
    OrderStatus,
)
from orders_core.money import MAX_ABS_AMOUNT, MINOR_UNITS

LATER = datetime(2100, 1, 1, tzinfo=UTC)


def fully_validated(amount: Money) -> Money:
    """``amount`` rebuilt through the public constructor, which checks everything."""
    return Money(amount.amount, amount.currency)


def recomputed(order: Order) -> tuple[Money, Money, Money]:
    """The amounts of ``order`` computed afresh, from its lines and discounts alone."""
    subtotal = sum((ln.unit_price * ln.quantity for ln in order.lines), Money.zero(order.currency))
    discount = subtotal.percent(order.discount_percent)
    return subtotal, discount, subtotal - discount


@st.composite
def money_pairs(draw: st.DrawFn) -> tuple[Money, Money]:
    code = draw(currencies())
    bound = int(MAX_ABS_AMOUNT) * 10 ** MINOR_UNITS[code] // 2
    return draw(money(code, min_minor=-bound, max_minor=bound)), draw(
        money(code, min_minor=-bound, max_minor=bound)
    )


@given(money_pairs(), quantities())
def test_arithmetic_results_pass_the_full_validation(
    pair: tuple[Money, Money], quantity: int
) -> None:
    a, b = pair
    for result in (a + b, a - b, Money.from_minor(a.minor_units, a.currency)):
        assert fully_validated(result) == result
        assert str(fully_validated(result)) == str(result)
    if a.amount.copy_abs() * quantity <= MAX_ABS_AMOUNT:
        assert fully_validated(a * quantity) == a * quantity


def exact_units(amount: Money) -> int:
    """The minor units of ``amount`` worked out from its Decimal, the long way."""
    return int(amount.amount.scaleb(MINOR_UNITS[amount.currency]))


@given(money_pairs(), quantities(), st.decimals(min_value=0, max_value=100, places=2))
def test_money_made_any_way_carries_its_exact_minor_units(
    pair: tuple[Money, Money], quantity: int, rate: Decimal
) -> None:
    a, b = pair
    made = [a, b, a + b, a - b, a.percent(rate), fully_validated(a), Money.zero(a.currency)]
    made.append(Money.of(a.amount, a.currency))
    if a.amount.copy_abs() * quantity <= MAX_ABS_AMOUNT:
        made.append(a * quantity)
    for amount in made:
        assert amount.minor_units == exact_units(amount)


def test_arithmetic_out_of_range_is_still_refused() -> None:
    top = Money.of(MAX_ABS_AMOUNT, "USD")
    with pytest.raises(InvalidInput):
        top + Money.of("0.01", "USD")
    with pytest.raises(InvalidInput):
        top * 2
    with pytest.raises(InvalidInput):
        Money.from_minor(int(MAX_ABS_AMOUNT) * 100 + 1, "USD")


def test_a_low_precision_decimal_context_does_not_round_an_amount() -> None:
    with localcontext() as context:
        context.prec = 4
        assert str(Money.from_minor(123456789, "EUR")) == "1234567.89 EUR"
        total = Money.from_minor(99999999, "EUR") + Money.from_minor(1, "EUR")
        assert total.minor_units == 100000000


@given(orders())
def test_cached_amounts_equal_amounts_computed_afresh(order: Order) -> None:
    assert (order.subtotal, order.discount, order.total) == recomputed(order)
    assert (order.subtotal, order.discount, order.total) == recomputed(order)  # from the cache


@given(orders(), st.data())
def test_cached_amounts_follow_a_change_of_lines(order: Order, data: st.DataObject) -> None:
    before = order.total
    assert before == recomputed(order)[2]
    lines = data.draw(order_lines(order.currency))
    order.status = OrderStatus.PENDING
    order.replace_lines(lines, at=LATER)
    assert (order.subtotal, order.discount, order.total) == recomputed(order)


def test_cached_amounts_follow_plain_assignment_too() -> None:
    line = OrderLine("BOOK-1", 1, Money.of("10.00", "EUR"))
    order = Order(
        id=OrderId("o-1"),
        customer_id=CustomerId("c-1"),
        currency="EUR",
        lines=(line,),
        status=OrderStatus.PENDING,
        version=1,
        created_at=LATER,
        updated_at=LATER,
    )
    assert order.total == Money.of("10.00", "EUR")
    order.lines = (replace(line, quantity=3),)
    assert order.total == Money.of("30.00", "EUR")
    order.discounts = (Discount("ten", Decimal(10)),)
    assert (order.discount, order.total) == (Money.of("3.00", "EUR"), Money.of("27.00", "EUR"))


@given(orders())
def test_the_memory_stores_record_key_is_the_orders_sort_key(order: Order) -> None:
    assert _record_sort_key(order.to_record()) == sort_key(order)


def test_a_percent_that_is_not_a_number_is_still_refused() -> None:
    with pytest.raises(InvalidInput):
        Money.of("10.00", "EUR").percent(Decimal("NaN"))


@given(money_pairs(), st.integers(0, 10_000).map(lambda hundredths: Decimal(hundredths) / 100))
def test_percent_results_pass_the_full_validation(pair: tuple[Money, Money], rate: Decimal) -> None:
    result = pair[0].percent(rate)
    assert fully_validated(result) == result
