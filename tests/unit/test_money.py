from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from orders_core import ROUNDING, CurrencyMismatch, InvalidInput, Money
from orders_core.money import MAX_ABS_AMOUNT


def test_money_refuses_a_float_amount() -> None:
    bad: Any = 0.1
    with pytest.raises(TypeError, match="float"):
        Money.of(bad, "USD")


def test_money_refuses_a_bool_or_other_types() -> None:
    for bad in (True, None, [1]):
        with pytest.raises(TypeError):
            Money.of(bad, "USD")  # type: ignore[arg-type]


def test_the_constructor_refuses_a_float_amount_too() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "USD")  # type: ignore[arg-type]


def test_more_decimals_than_the_currency_has_are_refused_not_rounded() -> None:
    with pytest.raises(InvalidInput) as caught:
        Money.of("1.005", "USD")
    assert "amount" in caught.value.fields
    with pytest.raises(InvalidInput):
        Money.of("1.5", "JPY")


def test_fewer_decimals_are_padded_to_the_currency_minor_units() -> None:
    assert Money.of("12.3", "EUR").amount.as_tuple().exponent == -2
    assert str(Money.of(12, "EUR")) == "12.00 EUR"
    assert str(Money.of("1.5", "KWD")) == "1.500 KWD"
    assert str(Money.of("7", "JPY")) == "7 JPY"


def test_trailing_zeros_beyond_the_minor_units_are_the_same_amount() -> None:
    assert Money.of("1.500", "USD") == Money.of("1.5", "USD")


def test_an_unknown_currency_is_invalid_input() -> None:
    for code in ("XXX", "usd", "", "EURO"):
        with pytest.raises(InvalidInput) as caught:
            Money.of(1, code)
        assert "currency" in caught.value.fields


def test_a_non_number_or_non_finite_amount_is_invalid_input() -> None:
    for text in ("abc", "NaN", "Infinity", "-inf", ""):
        with pytest.raises(InvalidInput):
            Money.of(text, "USD")


@pytest.mark.parametrize("text", [" 12.50", "12.50 ", "1_000.00", "1e3", "+5", ".5", "5.", "١٢"])
def test_an_amount_written_other_than_plain_digits_is_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput, match="plain decimal"):
        Money.of(text, "USD")


def test_amounts_beyond_the_bound_are_refused() -> None:
    assert Money.of(MAX_ABS_AMOUNT, "USD").amount == MAX_ABS_AMOUNT
    with pytest.raises(InvalidInput):
        Money.of(MAX_ABS_AMOUNT + 1, "USD")
    with pytest.raises(InvalidInput):
        Money.of("1E+1000", "USD")


def test_adding_different_currencies_is_a_currency_mismatch() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = Money.of(1, "USD") + Money.of(1, "EUR")
    with pytest.raises(CurrencyMismatch):
        _ = Money.of(1, "USD") - Money.of(1, "EUR")


def test_comparing_different_currencies_is_a_currency_mismatch() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = Money.of(1, "USD") < Money.of(2, "EUR")


def test_a_currency_mismatch_is_a_kind_of_invalid_input() -> None:
    assert issubclass(CurrencyMismatch, InvalidInput)


def test_same_currency_arithmetic_is_exact() -> None:
    assert Money.of("0.10", "USD") + Money.of("0.20", "USD") == Money.of("0.30", "USD")
    assert Money.of("1.00", "USD") - Money.of("0.01", "USD") == Money.of("0.99", "USD")
    assert Money.of("0.10", "USD") * 3 == Money.of("0.30", "USD")


def test_money_is_multiplied_only_by_whole_numbers() -> None:
    with pytest.raises(TypeError):
        _ = Money.of(1, "USD") * Decimal("1.5")  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = Money.of(1, "USD") * True


def test_minor_units_convert_exactly_both_ways() -> None:
    assert Money.from_minor(1234, "USD") == Money.of("12.34", "USD")
    assert Money.of("12.34", "USD").minor_units == 1234
    assert Money.from_minor(1234, "JPY").minor_units == 1234
    assert Money.from_minor(1234, "KWD") == Money.of("1.234", "KWD")
    assert Money.from_minor(-5, "EUR") == Money.of("-0.05", "EUR")


def test_minor_units_must_be_an_int() -> None:
    with pytest.raises(TypeError):
        Money.from_minor(1.0, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        ("0.25", "10", "0.02"),  # 0.025 is a tie: to the even cent
        ("0.35", "10", "0.04"),  # 0.035 is a tie: to the even cent, up this time
        ("0.15", "10", "0.02"),
        ("10.00", "12.5", "1.25"),
        ("0.05", "50", "0.02"),  # 0.025
        ("0.07", "50", "0.04"),  # 0.035
        ("0.01", "33.33", "0.00"),
        ("-0.25", "10", "-0.02"),
    ],
)
def test_percent_rounds_half_to_even_once(amount: str, rate: str, expected: str) -> None:
    assert Money.of(amount, "USD").percent(Decimal(rate)) == Money.of(expected, "USD")


def test_percent_of_a_currency_without_minor_units_rounds_to_whole_units() -> None:
    assert Money.of(25, "JPY").percent(Decimal(10)) == Money.of(2, "JPY")  # 2.5 → 2
    assert Money.of(35, "JPY").percent(Decimal(10)) == Money.of(4, "JPY")  # 3.5 → 4


def test_the_one_rounding_rule_is_half_even() -> None:
    assert ROUNDING == "ROUND_HALF_EVEN"


def test_percent_takes_only_a_decimal_rate() -> None:
    with pytest.raises(TypeError):
        Money.of(1, "USD").percent(10)  # type: ignore[arg-type]
