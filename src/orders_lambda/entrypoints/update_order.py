"""PATCH /orders/{order_id}: replace the lines of a PENDING order.

Needs ``If-Match`` with the ETag the client read: 428 without it, 412 when stale, 409 when the
order is no longer PENDING.
"""

from __future__ import annotations

from orders_core import NewLine
from orders_lambda import bootstrap, observability, routes
from orders_lambda.container import Container
from orders_lambda.http.app import api
from orders_lambda.http.models import UpdateOrderRequest
from orders_lambda.http.shapes import Reply, Request


@api.operation(routes.UPDATE_ORDER)
def update_order(request: Request[Container], order_id: str) -> Reply:
    caller = request.caller
    version = request.expected_version(required=True)
    assert version is not None  # noqa: S101 - required=True never returns None
    body, _ = request.body(UpdateOrderRequest)
    order = request.services.update_order()(
        caller,
        request.order_id(order_id),
        expected_version=version,
        lines=[NewLine(ln.sku, ln.quantity, ln.unit_price) for ln in body.lines],
    )
    observability.logger().info(
        "order updated", extra={"order_id": order.id, "version": order.version}
    )
    return request.order_reply(order)


handler = api.bind(bootstrap.container)
bootstrap.init()  # in Lambda, a misconfigured function fails its init, naming the variable
