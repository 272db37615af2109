"""GET /orders/{order_id}: one order with its ETag; another customer's order is a 404."""

from __future__ import annotations

from orders_lambda import routes
from orders_lambda.http.app import Reply, Request, api


@api.operation(routes.GET_ORDER)
def get_order(request: Request, order_id: str) -> Reply:
    return request.order_reply(request.container.get_order()(request.caller, order_id))


handler = api.handler
