"""GET /orders/{order_id}: one order with its ETag; another customer's order is a 404."""

from __future__ import annotations

from orders_lambda import bootstrap, routes
from orders_lambda.container import Container
from orders_lambda.http.app import api
from orders_lambda.http.shapes import Reply, Request


@api.operation(routes.GET_ORDER)
def get_order(request: Request[Container], order_id: str) -> Reply:
    order = request.services.get_order()(request.caller, request.order_id(order_id))
    return request.order_reply(order)


handler = api.bind(bootstrap.container)
bootstrap.init()  # in Lambda, a misconfigured function fails its init, naming the variable
