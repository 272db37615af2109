"""The JSON of an order as the API sends it (the shape :class:`~orders_lambda.http.models.OrderOut`
describes), built with the standard library: the read, list, cancel and delete entrypoints
answer with it without building any pydantic model.

:func:`order_body` renders an Order; :func:`record_body` renders the very same JSON from a
stored record (``Order.to_record``'s form), for the listing, which trusts what the store
validated rather than rebuilding every order to serialise it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orders_core import Order, OrderStatus, format_time


def order_body(order: Order) -> dict[str, Any]:
    """The JSON of an order (an :class:`OrderOut`); ``payment_due`` only while it is PENDING
    with a deadline: once paid or cancelled the deadline is no longer the customer's news."""
    body: dict[str, Any] = {
        "id": order.id,
        "customer_id": order.customer_id,
        "status": order.status.value,
        "version": order.version,
        "currency": order.currency,
        "lines": [
            {
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price.amount),
                "total": str(line.total.amount),
            }
            for line in order.lines
        ],
        "discounts": [{"code": d.code, "percent": str(d.percent)} for d in order.discounts],
        "subtotal": str(order.subtotal.amount),
        "discount": str(order.discount.amount),
        "total": str(order.total.amount),
        "created_at": format_time(order.created_at),
        "updated_at": format_time(order.updated_at),
    }
    if order.status is OrderStatus.PENDING and order.payment_due is not None:
        body["payment_due"] = format_time(order.payment_due)
    return body


def _amount(units: int, digits: int) -> str:
    """``str()`` of the Decimal amount of ``units`` minor units with ``digits`` decimals (what
    ``Money.from_minor(units, currency).amount`` prints), by integer arithmetic."""
    if digits == 0:
        return str(units)
    sign, units = ("-", -units) if units < 0 else ("", units)
    whole, fraction = divmod(units, 10**digits)
    return f"{sign}{whole}.{str(fraction).zfill(digits)}"


def record_body(record: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`order_body` of the order ``record`` holds, read off the record: its amounts
    are the ones core computed when the order was stored."""
    digits = int(record["minor_units"])
    body: dict[str, Any] = {
        "id": record["id"],
        "customer_id": record["customer_id"],
        "status": record["status"],
        "version": record["version"],
        "currency": record["currency"],
        "lines": [
            {
                "sku": line["sku"],
                "quantity": line["quantity"],
                "unit_price": _amount(line["unit_price"], digits),
                "total": _amount(line["unit_price"] * line["quantity"], digits),
            }
            for line in record["lines"]
        ],
        "discounts": [{"code": d["code"], "percent": d["percent"]} for d in record["discounts"]],
        "subtotal": _amount(record["subtotal"], digits),
        "discount": _amount(record["discount"], digits),
        "total": _amount(record["total"], digits),
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
    }
    due = record.get("payment_due")
    if record["status"] == OrderStatus.PENDING and due is not None:
        body["payment_due"] = due
    return body


__all__ = ["order_body", "record_body"]
