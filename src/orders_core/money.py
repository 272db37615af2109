"""Money: exact decimal amounts in an ISO-4217 currency.

Rules (see docs/architecture.md, "Money"):

- An amount is a ``Decimal`` with exactly the currency's minor units (cents for USD, none for
  JPY, mils for KWD). Input with more precision is rejected, never silently rounded.
- ``float`` is refused everywhere: ``Money.of(0.1, "USD")`` raises ``TypeError``.
- Exactly one rounding rule exists: :data:`ROUNDING` (half-even, "banker's rounding"), applied
  only when a percentage is taken of an amount.
- Adding or comparing amounts of different currencies raises :class:`CurrencyMismatch`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Final

from orders_core.errors import CurrencyMismatch, InvalidInput

ROUNDING: Final = ROUND_HALF_EVEN

# The currencies this service accepts, with their ISO-4217 minor units. A bounded list: an
# unknown code is an input error rather than a guess at its precision.
MINOR_UNITS: Final[dict[str, int]] = {
    "AUD": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2,
    "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "INR": 2, "ISK": 0, "JPY": 0, "KRW": 0,
    "KWD": 3, "MXN": 2, "NOK": 2, "NZD": 2, "PLN": 2, "SEK": 2, "SGD": 2, "USD": 2,
    "ZAR": 2,
}  # fmt: skip

# Bound on any amount, so arithmetic on hostile input stays cheap (no 10**1000 exponents).
MAX_ABS_AMOUNT: Final = Decimal("1000000000000")

# Scaling minor units into an amount uses this context, not the thread's: a caller's context
# with a low precision must not round an amount (40 digits hold any amount in range).
_EXACT: Final = Context(prec=40)
# Each currency's smallest unit as a Decimal exponent (0.01 for EUR), for quantize().
_QUANTUM: Final = {code: Decimal(1).scaleb(-units) for code, units in MINOR_UNITS.items()}
_HUNDRED: Final = Decimal(100)


def check_currency(code: str) -> str:
    """Return ``code`` when it is a supported ISO-4217 code, else raise InvalidInput."""
    if not isinstance(code, str) or code not in MINOR_UNITS:
        raise InvalidInput(
            f"unsupported currency {code!r}", {"currency": "must be a supported ISO-4217 code"}
        )
    return code


_PLAIN_DECIMAL: Final = re.compile(r"-?[0-9]{1,30}(?:\.[0-9]{1,30})?", re.ASCII)


def _to_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money never accepts float; pass a str, int or Decimal")
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"cannot make an amount from {type(value).__name__}")
    if isinstance(value, str) and not _PLAIN_DECIMAL.fullmatch(value):
        # Decimal() would also take " 1_000.5 ", "1e3" and "NaN": amounts are written plainly.
        raise InvalidInput(
            f"{value!r} is not a plain decimal number", {"amount": "digits with an optional ."}
        )
    try:
        result = Decimal(value)
    except InvalidOperation as exc:
        raise InvalidInput(f"{value!r} is not a number", {"amount": "not a number"}) from exc
    if not result.is_finite():
        raise InvalidInput(f"{value!r} is not a finite number", {"amount": "not finite"})
    return result


def check_same_currency(currency: str, other: Money) -> None:
    """CurrencyMismatch unless ``other`` is in ``currency``, as combining them would raise."""
    if other.currency != currency:
        raise CurrencyMismatch(
            f"cannot combine {currency} with {other.currency}",
            {"currency": "all amounts must share one currency"},
        )


def _scaled(units: int, currency: str) -> Decimal:
    return Decimal(units).scaleb(-MINOR_UNITS[currency], _EXACT)


def _units_of(amount: Decimal, currency: str) -> int:
    """The count of minor units of an amount with exactly the currency's decimals (exact)."""
    return int(amount.scaleb(MINOR_UNITS[currency], _EXACT))


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An exact amount in one currency. Construct with :meth:`of` or :meth:`from_minor`."""

    amount: Decimal
    currency: str
    # The amount in minor units (the storage form), worked out once, when the Money is made:
    # stores, sums and records read it far more often than Money is made.
    _units: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_currency(self.currency)
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal; use Money.of()")
        if not self.amount.is_finite() or abs(self.amount) > MAX_ABS_AMOUNT:
            raise InvalidInput(f"amount {self.amount} is out of range", {"amount": "out of range"})
        exponent = self.amount.as_tuple().exponent
        if not isinstance(exponent, int) or exponent != -MINOR_UNITS[self.currency]:
            raise InvalidInput(
                f"{self.amount} {self.currency} must have exactly "
                f"{MINOR_UNITS[self.currency]} decimal places",
                {"amount": f"{self.currency} has {MINOR_UNITS[self.currency]} minor units"},
            )
        object.__setattr__(self, "_units", _units_of(self.amount, self.currency))

    @classmethod
    def of(cls, value: Decimal | int | str, currency: str) -> Money:
        """Money from a decimal value in major units, e.g. ``Money.of("12.30", "EUR")``.

        Fewer decimals than the currency has are padded (``"12.3"`` is 12.30); more decimals
        are an error, since dropping them would change the amount.
        """
        check_currency(currency)
        amount = _to_decimal(value)
        quantum = _QUANTUM[currency]
        if amount.copy_abs() > MAX_ABS_AMOUNT:
            raise InvalidInput(f"amount {value} is out of range", {"amount": "out of range"})
        padded = amount.quantize(quantum)
        if padded != amount:
            raise InvalidInput(
                f"{value} has more decimals than {currency} allows",
                {"amount": f"{currency} has {MINOR_UNITS[currency]} minor units"},
            )
        return cls._checked(padded, currency, _units_of(padded, currency))

    @classmethod
    def zero(cls, currency: str) -> Money:
        return _ZEROS[check_currency(currency)]

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        """Money from an integer count of minor units (the storage form): 1234 USD → 12.34."""
        if isinstance(units, bool) or not isinstance(units, int):
            raise TypeError("minor units must be an int")
        check_currency(currency)
        return cls._checked(_scaled(units, currency), currency, units)

    @classmethod
    def _checked(cls, amount: Decimal, currency: str, units: int) -> Money:
        """Money whose currency is known and whose amount is a finite Decimal with exactly
        the currency's minor units by construction (quantized, scaled from an int), ``units``
        of them: only the range is left to check. Skipping the rest of ``__post_init__`` here
        is what keeps arithmetic cheap; every other way in still validates in full."""
        if amount.copy_abs() > MAX_ABS_AMOUNT:
            raise InvalidInput(f"amount {amount} is out of range", {"amount": "out of range"})
        money = object.__new__(cls)
        object.__setattr__(money, "amount", amount)
        object.__setattr__(money, "currency", currency)
        object.__setattr__(money, "_units", units)
        return money

    @staticmethod
    def _from_units(units: int, currency: str) -> Money:
        """The result of arithmetic on valid Money of ``currency``, in minor units."""
        return Money._checked(_scaled(units, currency), currency, units)

    @property
    def minor_units(self) -> int:
        """The amount as an integer count of minor units, exact."""
        return self._units

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        check_same_currency(self.currency, other)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money._from_units(self.minor_units + other.minor_units, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money._from_units(self.minor_units - other.minor_units, self.currency)

    def __mul__(self, factor: int) -> Money:
        """Multiply by a whole number (a quantity); use :meth:`percent` for fractions."""
        if isinstance(factor, bool) or not isinstance(factor, int):
            raise TypeError("Money can only be multiplied by an int; use percent()")
        return Money._from_units(self.minor_units * factor, self.currency)

    def percent(self, rate: Decimal) -> Money:
        """``rate`` percent of this amount, rounded once with :data:`ROUNDING`."""
        if not isinstance(rate, Decimal):
            raise TypeError("percent() takes a Decimal rate")
        exact = self.amount * rate / _HUNDRED
        rounded = exact.quantize(_QUANTUM[self.currency], rounding=ROUNDING)
        if not rounded.is_finite():  # a NaN rate: refused as any non-finite amount is
            return Money(rounded, self.currency)
        return Money._checked(rounded, self.currency, _units_of(rounded, self.currency))

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount >= other.amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


# Zero in each currency, made once: Money is immutable, so one value serves every caller.
_ZEROS: Final = {code: Money._checked(_scaled(0, code), code, 0) for code in MINOR_UNITS}
