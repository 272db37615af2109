"""Money arithmetic and its one rounding rule, checked against plain integer arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders_adapters.testing.strategies import currencies, discount_percents, money
from orders_core import CurrencyMismatch, Money
from orders_core.money import MAX_ABS_AMOUNT, MINOR_UNITS


@st.composite
def same_currency(draw: st.DrawFn, count: int) -> list[Money]:
    """``count`` amounts in one currency, small enough that their sum stays in range."""
    code = draw(currencies())
    bound = int(MAX_ABS_AMOUNT) * 10 ** MINOR_UNITS[code] // count
    return [draw(money(code, min_minor=-bound, max_minor=bound)) for _ in range(count)]


def half_even_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half to even, with integers only."""
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder > denominator or (2 * remainder == denominator and quotient % 2 == 1):
        quotient += 1
    return sign * quotient


@given(same_currency(2))
def test_addition_commutes(amounts: list[Money]) -> None:
    a, b = amounts
    assert a + b == b + a


@given(same_currency(3))
def test_addition_associates(amounts: list[Money]) -> None:
    a, b, c = amounts
    assert (a + b) + c == a + (b + c)


@given(same_currency(2))
def test_subtraction_undoes_addition_and_zero_is_neutral(amounts: list[Money]) -> None:
    a, b = amounts
    assert (a + b) - b == a
    assert a + Money.zero(a.currency) == a
    assert a - a == Money.zero(a.currency)


@given(same_currency(2))
def test_sums_and_order_follow_the_minor_units(amounts: list[Money]) -> None:
    a, b = amounts
    assert (a + b).minor_units == a.minor_units + b.minor_units
    assert (a < b) == (a.minor_units < b.minor_units)
    assert (a <= b) == (a.minor_units <= b.minor_units)


@given(money())
def test_minor_units_round_trip(amount: Money) -> None:
    assert Money.from_minor(amount.minor_units, amount.currency) == amount
    assert Money.of(str(amount.amount), amount.currency) == amount
    assert Money.of(amount.amount, amount.currency) == amount


@given(currencies(), st.integers(-(10**12), 10**12))
def test_minor_units_are_exact_integers(currency: str, units: int) -> None:
    amount = Money.from_minor(units, currency)
    assert amount.minor_units == units
    assert amount.amount == Decimal(units) / 10 ** MINOR_UNITS[currency]


@given(money(), discount_percents() | st.just(Decimal(0)))
def test_percent_rounds_like_integer_half_even(amount: Money, rate: Decimal) -> None:
    hundredths = int(rate * 100)
    expected = half_even_div(amount.minor_units * hundredths, 100 * 100)
    result = amount.percent(rate)
    assert result.minor_units == expected
    assert result.currency == amount.currency
    assert abs(result.minor_units) <= abs(amount.minor_units)


@given(currencies(), st.integers(-(10**9), 10**9), st.sampled_from([(5000, 2), (1250, 8)]))
def test_an_exact_tie_goes_to_the_even_neighbour(
    currency: str, k: int, case: tuple[int, int]
) -> None:
    hundredths, period = case
    # units * hundredths / 10000 ends in exactly half a minor unit for these units
    units = k * period + period // 2
    result = Money.from_minor(units, currency).percent(Decimal(hundredths).scaleb(-2))
    assert result.minor_units % 2 == 0
    assert abs(result.minor_units * 10_000 - units * hundredths) == 5_000


@given(money(), st.integers(-1000, 1000))
def test_results_are_always_exact_decimals(amount: Money, factor: int) -> None:
    bounded = Money.from_minor(amount.minor_units // 1000, amount.currency)
    for result in (bounded * factor, bounded + bounded, bounded.percent(Decimal("12.34"))):
        assert type(result.amount) is Decimal
        assert result.amount.as_tuple().exponent == -MINOR_UNITS[amount.currency]


@given(st.floats(allow_nan=True, allow_infinity=True), currencies())
def test_no_float_is_ever_accepted(value: float, currency: str) -> None:
    with pytest.raises(TypeError):
        Money.of(value, currency)  # type: ignore[arg-type]


@given(money(), money())
def test_different_currencies_never_mix(a: Money, b: Money) -> None:
    if a.currency == b.currency:
        return
    with pytest.raises(CurrencyMismatch):
        _ = a + b
    with pytest.raises(CurrencyMismatch):
        _ = a <= b
