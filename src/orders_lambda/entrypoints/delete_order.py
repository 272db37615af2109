"""DELETE /orders/{order_id}: delete a PENDING or CANCELLED order; 204, or 404.

``If-Match`` is optional, as for cancel.
"""

from __future__ import annotations

from http import HTTPStatus

from orders_lambda import bootstrap, observability, routes
from orders_lambda.container import Container
from orders_lambda.http.app import api
from orders_lambda.http.shapes import Reply, Request


@api.operation(routes.DELETE_ORDER)
def delete_order(request: Request[Container], order_id: str) -> Reply:
    caller = request.caller
    request.services.delete_order()(
        caller,
        request.order_id(order_id),
        expected_version=request.expected_version(required=False),
    )
    observability.logger().info("order deleted", extra={"order_id": order_id})
    return Reply(HTTPStatus.NO_CONTENT)


handler = api.bind(bootstrap.container)
bootstrap.init()  # in Lambda, a misconfigured function fails its init, naming the variable
