"""The JSON shapes of the API, as pydantic models: request bodies (unknown fields are
rejected, so a client can't set ids, statuses, totals or versions) and the responses the
OpenAPI document describes. Only the entrypoints that validate a body (create, update) and
the OpenAPI document import this module: building the models is part of a cold start.

Every rule the server enforces on a body is stated here, so the JSON Schema a client reads is
the one the server checks: the SKU pattern, integer quantities and their bounds, price
patterns with core's bounds, the currency list. The one rule a body's schema cannot carry on
its own is a price's decimals on PATCH (they depend on the stored order's currency); create
states it with ``if``/``then`` per currency group, and the server names the field either way.

Amounts travel as decimal strings in major units (``"12.50"``), never JSON numbers, so no
client or parser turns them into binary floats on the way.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
)

from orders_core import (
    CURRENCY_MINOR_UNITS,
    MAX_LINES,
    MAX_QUANTITY,
    MAX_UNIT_PRICE,
    SKU_PATTERN,
    OrderStatus,
)
from orders_lambda.http.errors import ErrorCode

# Any amount the API sends: totals and discounts may be 0, never negative.
DECIMAL_PATTERN: Final = r"^[0-9]{1,13}(\.[0-9]{1,3})?$"
# A unit price as the server accepts it: greater than 0, at most MAX_UNIT_PRICE (1000000),
# at most 3 decimals (the most any supported currency has), no leading zeros, no sign or
# exponent. tests/lambda/test_request_rules.py checks it against core's own rule.
UNIT_PRICE_PATTERN: Final = (
    r"^(?:1000000(?:\.0{1,3})?"
    r"|[1-9][0-9]{0,5}(?:\.[0-9]{1,3})?"
    r"|0\.(?:[1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9]))$"
)
SKU_SCHEMA_PATTERN: Final = f"^{SKU_PATTERN.pattern}$"
CURRENCIES: Final = tuple(sorted(CURRENCY_MINOR_UNITS))
# The decimals a price may have, per currency group: fewer are padded ("12.5" is 12.50) and
# zeros past the currency's last decimal change nothing ("12.500" EUR is 12.50).
_DECIMALS_PATTERN: Final = {0: r"^[0-9]+(\.0{1,3})?$", 2: r"^[0-9]+(\.[0-9]{1,2}0?)?$"}
DATE_TIME: Final = {"type": "string", "format": "date-time"}
_EXACT_FLOATS: Final = 2**53  # every whole float below this is exactly one integer


class CurrencyCode(StrEnum):
    """The currencies the service accepts (``orders_core.money.MINOR_UNITS``; a test keeps
    the two lists equal). An enum of its own, so the document has one schema for it and a
    generated client one type."""

    AUD = "AUD"
    BHD = "BHD"
    BRL = "BRL"
    CAD = "CAD"
    CHF = "CHF"
    CNY = "CNY"
    CZK = "CZK"
    DKK = "DKK"
    EUR = "EUR"
    GBP = "GBP"
    HKD = "HKD"
    HUF = "HUF"
    INR = "INR"
    ISK = "ISK"
    JPY = "JPY"
    KRW = "KRW"
    KWD = "KWD"
    MXN = "MXN"
    NOK = "NOK"
    NZD = "NZD"
    PLN = "PLN"
    SEK = "SEK"
    SGD = "SGD"
    USD = "USD"
    ZAR = "ZAR"


def _plain(code: CurrencyCode) -> str:
    # Core and the stores get the plain string, as from any other caller.
    return str(code.value)


def _whole_number(value: Any) -> Any:
    # JSON has one number type: 1.0 is the integer 1 (JSON Schema says so too), so a client
    # whose encoder writes 1.0 is not refused. Booleans and 1.5 still fail the strict check.
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT_FLOATS:
        return int(value)
    return value


Amount = Annotated[
    str,
    StringConstraints(pattern=DECIMAL_PATTERN),
    Field(description="A decimal amount in major units, as a string", examples=["12.50"]),
]
UnitPrice = Annotated[
    str,
    StringConstraints(pattern=UNIT_PRICE_PATTERN),
    Field(
        description=f"Price of one unit in major units, as a decimal string: greater than 0, "
        f"at most {MAX_UNIT_PRICE}, no more decimals than the currency has (JPY, ISK and KRW "
        "none; BHD and KWD 3; the others 2; trailing zeros past them are fine). Too many "
        "decimals is a 422 naming the line",
        examples=["12.50"],
    ),
]
Currency = Annotated[
    CurrencyCode,
    AfterValidator(_plain),
    Field(description="ISO-4217 code, one of the supported currencies", examples=["EUR"]),
]
Quantity = Annotated[
    StrictInt,
    BeforeValidator(_whole_number),
    Field(ge=1, le=MAX_QUANTITY),
    # Stated in full: with a BeforeValidator pydantic writes the bounds as "ge"/"le".
    WithJsonSchema(
        {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_QUANTITY,
            "description": f"Whole units, 1 to {MAX_QUANTITY}",
            "examples": [2],
        }
    ),
]
Sku = Annotated[
    str,
    StringConstraints(pattern=SKU_SCHEMA_PATTERN),
    Field(
        description="2-32 characters: A-Z, 0-9 and '-', starting with A-Z or 0-9",
        examples=["BOOK-42"],
    ),
]
Timestamp = Annotated[str, WithJsonSchema({**DATE_TIME, "description": "RFC 3339, UTC"}), Field()]


# What a pattern-checked field must look like, said in words: pydantic's own message for a
# pattern mismatch quotes the regular expression.
RULES: Final[Mapping[str, str]] = {
    "sku": "2-32 characters: A-Z, 0-9 and '-', starting with A-Z or 0-9",
    "unit_price": f"a decimal string greater than 0 and at most {MAX_UNIT_PRICE}, with at "
    'most 3 decimals and no leading zeros, e.g. "12.50"',
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: ClassVar[Mapping[str, str]] = RULES


class LineIn(_Strict):
    sku: Sku
    quantity: Quantity
    unit_price: UnitPrice


Lines = Annotated[
    list[LineIn],
    Field(
        min_length=1,
        max_length=MAX_LINES,
        # JSON Schema's uniqueItems compares whole lines, not their SKUs: said in words.
        description=f"1 to {MAX_LINES} lines, each SKU at most once (a repeated SKU is a 422 "
        "naming the line)",
    ),
]


def _decimals_by_currency(schema: dict[str, Any]) -> None:
    """``if currency is X then every unit_price has X's decimals``, for each group of
    currencies with the same minor units short of the pattern's 3."""
    rules = []
    for units, pattern in _DECIMALS_PATTERN.items():
        codes = [code for code in CURRENCIES if CURRENCY_MINOR_UNITS[code] == units]
        rules.append(
            {
                "if": {"properties": {"currency": {"enum": codes}}, "required": ["currency"]},
                "then": {
                    "properties": {
                        "lines": {"items": {"properties": {"unit_price": {"pattern": pattern}}}}
                    }
                },
            }
        )
    schema["allOf"] = rules


class CreateOrderRequest(_Strict):
    model_config = ConfigDict(json_schema_extra=_decimals_by_currency)

    currency: Currency
    lines: Lines


class UpdateOrderRequest(_Strict):
    lines: Lines = Field(
        description="The new lines; prices have the decimals of the order's currency"
    )


class LineOut(BaseModel):
    sku: str = Field(examples=["BOOK-42"])
    quantity: int = Field(examples=[2])
    unit_price: Amount
    total: Amount


class DiscountOut(BaseModel):
    code: str = Field(examples=["premium"])
    percent: str = Field(pattern=r"^[0-9]{1,3}(\.[0-9]{1,2})?$", examples=["10.00"])


class OrderOut(BaseModel):
    id: str = Field(examples=["0b8f6a9e-2d54-4b51-9d36-5b3e6f2d9c11"])
    customer_id: str = Field(examples=["alice"])
    status: OrderStatus
    version: int = Field(ge=1, description="Also the ETag: the order's version in quotes")
    currency: Currency
    lines: list[LineOut]
    discounts: list[DiscountOut]
    subtotal: Amount
    discount: Amount
    total: Amount
    created_at: Timestamp
    updated_at: Timestamp
    payment_due: Timestamp | None = Field(
        default=None,
        description=(
            "The payment deadline, sent only while the order is PENDING: still unpaid then, "
            "the order is cancelled (OrderCancelled with the reason payment_deadline). Set at "
            "placement and never moved; absent for orders placed before deadlines existed"
        ),
    )


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page"
    )


class ErrorDetail(BaseModel):
    code: ErrorCode
    message: str = Field(description="What went wrong, for a person to read")
    request_id: str | None = Field(description="Quote it when reporting a problem")
    fields: dict[str, str] | None = Field(
        default=None, description="Each invalid field's path and what is wrong with it"
    )


class ErrorBody(BaseModel):
    error: ErrorDetail


__all__ = [
    "CURRENCIES",
    "CreateOrderRequest",
    "CurrencyCode",
    "ErrorBody",
    "LineIn",
    "OrderOut",
    "OrderPage",
    "UpdateOrderRequest",
]
