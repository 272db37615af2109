"""POST /orders/{order_id}/cancel: cancel a PENDING or PAID order (409 otherwise).

``If-Match`` is optional: with it the cancel applies only to that version (412 if stale).
"""

from __future__ import annotations

from orders_lambda import bootstrap, metric_names, observability, routes
from orders_lambda.container import Container
from orders_lambda.http.app import api
from orders_lambda.http.shapes import Reply, Request


@api.operation(routes.CANCEL_ORDER)
def cancel_order(request: Request[Container], order_id: str) -> Reply:
    caller = request.caller
    order = request.services.cancel_order()(
        caller,
        request.order_id(order_id),
        expected_version=request.expected_version(required=False),
    )
    observability.logger().info(
        "order cancelled", extra={"order_id": order.id, "version": order.version}
    )
    observability.count(metric_names.ORDERS_CANCELLED)
    return request.order_reply(order)


handler = api.bind(bootstrap.container)
bootstrap.init()  # in Lambda, a misconfigured function fails its init, naming the variable
