"""POST /orders: place an order for the caller; 201 with Location and ETag.

With an ``Idempotency-Key`` header the key binds to one order for good: a retry, after any
crash or timeout, answers the first order as it was placed, marked as a replay (see
``orders_core.idempotency`` and ``orders_lambda.http.idempotency``). Inside Lambda the
idempotency layer is built at init with the store; elsewhere only on this path.
"""

from __future__ import annotations

from http import HTTPStatus

from orders_core import NewLine, Order, build_lines
from orders_lambda import bootstrap, metric_names, observability, routes
from orders_lambda.container import Container
from orders_lambda.http.app import api
from orders_lambda.http.models import CreateOrderRequest
from orders_lambda.http.shapes import Reply, Request


def _placed(request: Request[Container], order: Order) -> Reply:
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


@api.operation(routes.CREATE_ORDER)
def create_order(request: Request[Container]) -> Reply:
    caller = request.caller
    body, _ = request.body(CreateOrderRequest)
    lines = [NewLine(ln.sku, ln.quantity, ln.unit_price) for ln in body.lines]
    key = request.header("Idempotency-Key")
    if key is None:
        order = request.services.place_order()(caller, currency=body.currency, lines=lines)
        return _placed(request, order)

    # Cold start: outside Lambda only keyed creates load Powertools idempotency (inside,
    # bootstrap.init has loaded it).
    from orders_lambda.http import idempotency  # noqa: PLC0415

    key = idempotency.check_key(key)
    # Read before any claim, so a bad line is refused without holding the key.
    payload = idempotency.order_payload(body.currency, build_lines(lines, body.currency))

    def place() -> Reply:
        placement = request.services.place_order().with_key(
            caller, key, currency=body.currency, lines=lines
        )
        if not placement.replayed:
            return _placed(request, placement.order)
        # An earlier attempt stored the order and its answer was lost (a crash, a timeout):
        # the same answer again, from the stored order as it was placed.
        observability.logger().info(
            "order replayed",
            extra={"order_id": placement.order.id, "customer_id": placement.order.customer_id},
        )
        first = request.order_reply(placement.order, HTTPStatus.CREATED)
        return Reply(
            first.status, first.body, {**first.headers, idempotency.REPLAYED_HEADER: "true"}
        )

    return request.services.idempotent_creation()(
        key=key, scope=caller.id, payload=payload, context=request.context, command=place
    )


handler = api.bind(bootstrap.container)
# In Lambda, a misconfigured function fails its init, naming the variable; the idempotency
# layer is made then too, at the function's full CPU, not on the first keyed create.
bootstrap.init(idempotency=True)
