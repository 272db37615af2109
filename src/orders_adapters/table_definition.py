"""The orders and idempotency tables' shape: :mod:`orders_manifest.tables`, where the Pulumi
program reads it too. Kept under this name for the adapter and its users."""

from __future__ import annotations

from orders_manifest.tables import (
    CUSTOMER_INDEX,
    CUSTOMER_KEY_PREFIX,
    CUSTOMER_STATUS_INDEX,
    DUE_INDEX,
    DUE_PARTITION,
    EVENT_KEY_PREFIX,
    IDEMPOTENCY_TABLE,
    ORDER_KEY_PREFIX,
    ORDER_SORT_KEY,
    ORDERS_TABLE,
    STATUS_KEY_PREFIX,
    GlobalIndex,
    TableDefinition,
)

__all__ = [
    "CUSTOMER_INDEX",
    "CUSTOMER_KEY_PREFIX",
    "CUSTOMER_STATUS_INDEX",
    "DUE_INDEX",
    "DUE_PARTITION",
    "EVENT_KEY_PREFIX",
    "IDEMPOTENCY_TABLE",
    "ORDERS_TABLE",
    "ORDER_KEY_PREFIX",
    "ORDER_SORT_KEY",
    "STATUS_KEY_PREFIX",
    "GlobalIndex",
    "TableDefinition",
]
