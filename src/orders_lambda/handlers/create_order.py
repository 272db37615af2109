"""POST /orders: place an order for the caller; 201 with Location and ETag.

With an ``Idempotency-Key`` header a retry replays the first reply (see
``orders_lambda.http.idempotency``); the idempotency layer is built only on this path.
"""

from __future__ import annotations

from http import HTTPStatus

from orders_core import NewLine
from orders_lambda import metric_names, observability, routes
from orders_lambda.http.app import Reply, Request, api
from orders_lambda.http.models import CreateOrderRequest


@api.operation(routes.CREATE_ORDER)
def create_order(request: Request) -> Reply:
    caller = request.caller
    body, _ = request.body(CreateOrderRequest)

    def place() -> Reply:
        order = request.container.place_order()(
            caller,
            currency=body.currency,
            lines=[NewLine(ln.sku, ln.quantity, ln.unit_price) for ln in body.lines],
        )
        observability.logger().info(
            "order placed",
            extra={"order_id": order.id, "customer_id": order.customer_id, "version": 1},
        )
        observability.count(metric_names.ORDERS_PLACED)
        observability.count(
            metric_names.ORDER_VALUE,
            float(order.total.amount),
            unit="NoUnit",
            currency=order.currency,
        )
        return request.order_reply(order, HTTPStatus.CREATED)

    key = request.header("Idempotency-Key")
    if key is None:
        return place()
    return request.container.idempotent_creation()(
        key=key,
        scope=caller.id,
        payload=body.model_dump(mode="json"),
        context=request.context,
        command=place,
    )


handler = api.handler
