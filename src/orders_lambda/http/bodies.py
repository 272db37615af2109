"""The JSON of an order as the API sends it (the shape :class:`~orders_lambda.http.models.OrderOut`
describes), built with the standard library: the read, list, cancel and delete entrypoints
answer with it without building any pydantic model.
"""

from __future__ import annotations

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


__all__ = ["order_body"]
