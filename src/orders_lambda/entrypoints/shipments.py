"""The shipments consumer's Lambda entrypoint (an EventBridge rule target): a dispatched or
delivered shipment moves its order on; see :mod:`orders_lambda.consumers.shipments`."""

from __future__ import annotations

from typing import Any

from orders_lambda import bootstrap
from orders_lambda.consumers.common import bind_invocation
from orders_lambda.consumers.shipments import process_event


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    container = bootstrap.container()
    shipped, delivered = container.mark_shipped(), container.mark_delivered()
    bind_invocation(context)
    return process_event(event, mark_shipped=shipped, mark_delivered=delivered)


bootstrap.init()  # in Lambda, a misconfigured function fails its init, naming the variable
