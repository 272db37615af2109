"""The business rules an order's input must keep, as values a caller can read.

Every bound is checked by core; breaking one raises :class:`~orders_core.InvalidInput` (or its
subclass :class:`~orders_core.CurrencyMismatch`) whose ``fields`` name the offending field.

Lines (``NewLine`` given to ``PlaceOrder`` and ``UpdateOrderLines``):

- :data:`SKU_PATTERN`: 2 to 32 characters of ``A-Z``, ``0-9`` and ``-``, not starting with
  ``-`` (``BOOK-42``). Lower case is refused, not folded.
- quantity: a whole number (``int``, not ``bool``) from 1 to :data:`MAX_QUANTITY` (1,000).
- unit price: above 0 and at most :data:`MAX_UNIT_PRICE` (1,000,000) in major units, with no
  more decimals than the currency has (``"12.345"`` EUR is refused, ``"12.3"`` is 12.30);
  ``float`` is refused everywhere.
- 1 to :data:`MAX_LINES` (100) lines per order, no SKU twice in one order.

Currencies: the :data:`SUPPORTED_CURRENCIES` (25 ISO-4217 codes), each with its minor units
in :data:`CURRENCY_MINOR_UNITS` (2 for EUR, 0 for JPY, 3 for KWD). One currency per order.

Discounts: at most :data:`MAX_DISCOUNTS` per order, each a percent above 0, at most 100, with
at most two decimals. They add up, and the sum is capped at
:data:`MAX_TOTAL_DISCOUNT_PERCENT` (50). The discount is taken once, of the subtotal, and
rounded to the currency's minor unit with :data:`ROUNDING` (half-even); the total is the
subtotal minus that discount.

Ids: order ids match :data:`ORDER_ID_PATTERN` (1 to 64 of ``A-Z a-z 0-9 _ -``); a principal's
id is 1 to 128 characters.

``InvalidInput.fields`` keys are field paths as the caller wrote them: ``currency``,
``lines`` (the count), ``lines[i].sku``, ``lines[i].quantity``, ``lines[i].unit_price`` (``i``
counting from 0), ``order_id``, ``customer_id``, ``limit``, ``principal``; each value says, in
words, what the field must be.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from orders_core.money import MINOR_UNITS, ROUNDING
from orders_core.order import (
    MAX_DISCOUNTS,
    MAX_LINES,
    MAX_QUANTITY,
    MAX_TOTAL_DISCOUNT_PERCENT,
    MAX_UNIT_PRICE,
    ORDER_ID_PATTERN,
    SKU_PATTERN,
)

# A read-only view: the table in money.py is what every check reads, so a caller must not be
# able to add a currency to it by accident.
CURRENCY_MINOR_UNITS: Final[Mapping[str, int]] = MappingProxyType(MINOR_UNITS)
SUPPORTED_CURRENCIES: Final[frozenset[str]] = frozenset(MINOR_UNITS)

__all__ = [
    "CURRENCY_MINOR_UNITS",
    "MAX_DISCOUNTS",
    "MAX_LINES",
    "MAX_QUANTITY",
    "MAX_TOTAL_DISCOUNT_PERCENT",
    "MAX_UNIT_PRICE",
    "ORDER_ID_PATTERN",
    "ROUNDING",
    "SKU_PATTERN",
    "SUPPORTED_CURRENCIES",
]
