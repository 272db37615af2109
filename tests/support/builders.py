"""Small builders so tests say what matters and default the rest."""

from __future__ import annotations

from datetime import datetime, timedelta

from orders_core import Money, Order, OrderEvent, OrderId, OrderLine
from orders_core.principals import CustomerId
from tests.support.fakes import EPOCH


def line(
    sku: str = "SKU-1", quantity: int = 1, price: str = "10.00", currency: str = "EUR"
) -> OrderLine:
    return OrderLine(sku, quantity, Money.of(price, currency))


def placed_order(
    order_id: str = "order-1",
    customer_id: str = "customer-1",
    *,
    at: datetime = EPOCH,
    lines: tuple[OrderLine, ...] | None = None,
    currency: str = "EUR",
) -> tuple[Order, OrderEvent]:
    return Order.place(
        order_id=OrderId(order_id),
        customer_id=CustomerId(customer_id),
        currency=currency,
        lines=lines or (line(currency=currency),),
        discounts=(),
        at=at,
    )


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
