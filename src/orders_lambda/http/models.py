"""The JSON shapes of the API, as pydantic models: request bodies (unknown fields are
rejected, so a client can't set ids, statuses, totals or versions) and the responses the
OpenAPI document describes. Only the entrypoints that validate a body (create, update) and
the OpenAPI document import this module: building the models is part of a cold start.

Amounts travel as decimal strings in major units (``"12.50"``), never JSON numbers, so no
client or parser turns them into binary floats on the way.
"""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from orders_core import OrderStatus
from orders_core.order import MAX_LINES, MAX_QUANTITY

DECIMAL_PATTERN: Final = r"^[0-9]{1,13}(\.[0-9]{1,3})?$"

Amount = Annotated[
    str,
    StringConstraints(pattern=DECIMAL_PATTERN),
    Field(description="A decimal amount in major units, as a string", examples=["12.50"]),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LineIn(_Strict):
    sku: Annotated[str, StringConstraints(min_length=2, max_length=32)] = Field(
        description="2-32 characters: A-Z, 0-9 and '-'", examples=["SKU-1"]
    )
    quantity: Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY)]
    unit_price: Amount


Lines = Annotated[list[LineIn], Field(min_length=1, max_length=MAX_LINES)]


class CreateOrderRequest(_Strict):
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = Field(
        description="ISO-4217 code", examples=["EUR"]
    )
    lines: Lines


class UpdateOrderRequest(_Strict):
    lines: Lines


class LineOut(BaseModel):
    sku: str
    quantity: int
    unit_price: Amount
    total: Amount


class DiscountOut(BaseModel):
    code: str
    percent: str = Field(examples=["10.00"])


class OrderOut(BaseModel):
    id: str
    customer_id: str
    status: OrderStatus
    version: int = Field(description="Also the ETag: the order's version in quotes")
    currency: str
    lines: list[LineOut]
    discounts: list[DiscountOut]
    subtotal: Amount
    discount: Amount
    total: Amount
    created_at: str = Field(description="ISO-8601, UTC")
    updated_at: str = Field(description="ISO-8601, UTC")


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page"
    )


class ErrorDetail(BaseModel):
    code: str = Field(examples=["ORDER_NOT_FOUND"])
    message: str
    request_id: str | None
    fields: dict[str, str] | None = Field(
        default=None, description="Each invalid field's path and what is wrong with it"
    )


class ErrorBody(BaseModel):
    error: ErrorDetail


__all__ = [
    "CreateOrderRequest",
    "ErrorBody",
    "LineIn",
    "OrderOut",
    "OrderPage",
    "UpdateOrderRequest",
]
