"""The events the service consumes and publishes, as the rules, queues and stream mapping of
the deployment name them.

Consumed: ``PAYMENT_COMPLETED`` messages on the payments queue, and the shipments service's
``SHIPMENT_DISPATCHED`` / ``SHIPMENT_DELIVERED`` on the bus under the source ``shipments``.
Published: the order events (``OrderPlaced``, ...; their schemas are schemas/events/*.json)
under the source ``orders``, from the outbox items on the orders table's stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from orders_manifest.tables import EVENT_KEY_PREFIX, ORDERS_TABLE

PAYMENT_COMPLETED: Final = "PAYMENT_COMPLETED"
# The source the shipments service puts its events under. Only its events move orders: the
# rule matches it, and the consumer refuses another source that reaches it anyway.
SHIPMENTS_SOURCE: Final = "shipments"
SHIPMENT_DISPATCHED: Final = "SHIPMENT_DISPATCHED"
SHIPMENT_DELIVERED: Final = "SHIPMENT_DELIVERED"
SHIPMENT_EVENT_TYPES: Final = (SHIPMENT_DISPATCHED, SHIPMENT_DELIVERED)

# The source of the order events this service publishes (the publisher's default), and the
# one a rule on a placement matches (orders_core.EventType.ORDER_PLACED).
ORDERS_SOURCE: Final = "orders"
ORDER_PLACED: Final = "OrderPlaced"

# The consumers' names: the ``consumer`` dimension of MessagesRejected, and their functions.
PAYMENTS_CONSUMER: Final = "payments"
SHIPMENTS_CONSUMER: Final = "shipments"
CONSUMERS: Final = (PAYMENTS_CONSUMER, SHIPMENTS_CONSUMER)

# Outbox items arrive as stream INSERTs whose sort key starts with EVENT#: the stream
# mapping's filter, so nothing else invokes the publisher (which checks again itself).
STREAM_INSERT: Final = "INSERT"
STREAM_FILTER_PATTERN: Final[Mapping[str, Any]] = {
    "eventName": [STREAM_INSERT],
    "dynamodb": {"Keys": {ORDERS_TABLE.sort_key or "SK": {"S": [{"prefix": EVENT_KEY_PREFIX}]}}},
}

__all__ = [
    "CONSUMERS",
    "ORDERS_SOURCE",
    "ORDER_PLACED",
    "PAYMENTS_CONSUMER",
    "PAYMENT_COMPLETED",
    "SHIPMENTS_CONSUMER",
    "SHIPMENTS_SOURCE",
    "SHIPMENT_DELIVERED",
    "SHIPMENT_DISPATCHED",
    "SHIPMENT_EVENT_TYPES",
    "STREAM_FILTER_PATTERN",
    "STREAM_INSERT",
]
