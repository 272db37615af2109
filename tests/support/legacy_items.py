"""Order and outbox items as the DynamoDB adapter wrote them before the encoded record
(commit 46d025a and earlier): every field of the record a top-level attribute, lines,
discounts and an event's order snapshot as nested maps and lists.

A frozen copy of that code's writers, so the tests can put items of the old shape in a table
and check the adapter still reads them; ``tests/integration/test_dynamodb_legacy_items.py``
holds one such item as the old code wrote it, byte for byte, to keep this copy honest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from orders_adapters.dynamodb import (
    RECORD_ATTRIBUTE,
    VERSION_ATTRIBUTE,
    event_sort_key,
    order_item,
    order_partition_key,
)
from orders_adapters.table_definition import ORDERS_TABLE
from orders_core import Order, OrderEvent

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef


def to_attribute(value: object) -> AttributeValueTypeDef:
    """One JSON-ready value (as ``to_record`` produces) as a DynamoDB attribute value."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if value is None:
        return {"NULL": True}
    if isinstance(value, list | tuple):
        return {"L": [to_attribute(v) for v in value]}
    if isinstance(value, Mapping):
        return {"M": {str(k): to_attribute(v) for k, v in value.items()}}
    raise TypeError(f"no DynamoDB mapping for {type(value).__name__}")


def _attributes(record: Mapping[str, Any]) -> dict[str, AttributeValueTypeDef]:
    return {k: to_attribute(v) for k, v in record.items()}


def legacy_order_item(order: Order) -> dict[str, AttributeValueTypeDef]:
    """The order's item in the nested shape: its record plus the table and index keys (the
    same keys as today's, so they are taken from today's item)."""
    keys = order_item(order)
    item = _attributes(order.to_record())
    item.update({k: v for k, v in keys.items() if k not in (RECORD_ATTRIBUTE, VERSION_ATTRIBUTE)})
    return item


def legacy_event_item(event: OrderEvent, *, expires_at: int) -> dict[str, AttributeValueTypeDef]:
    """The outbox item of ``event`` in the nested shape; ``expires_at`` is its TTL."""
    item = _attributes(event.to_record())
    item[ORDERS_TABLE.partition_key] = {"S": order_partition_key(event.order_id)}
    item["SK"] = {"S": event_sort_key(event.order_version)}
    item[ORDERS_TABLE.ttl_attribute] = {"N": str(expires_at)}
    return item
