"""The custom metrics the functions emit: :mod:`orders_manifest.metrics`, which the alarms and
dashboards of ``deploy_pulumi`` read too. Importing this module imports nothing else."""

from __future__ import annotations

from orders_manifest.metrics import (
    ERRORS_BY_CODE,
    EVENTS_NOT_PUBLISHED,
    FLAG_FAILURES,
    MESSAGES_REJECTED,
    ORDER_VALUE,
    ORDERS_CANCELLED,
    ORDERS_PLACED,
)

__all__ = [
    "ERRORS_BY_CODE",
    "EVENTS_NOT_PUBLISHED",
    "FLAG_FAILURES",
    "MESSAGES_REJECTED",
    "ORDERS_CANCELLED",
    "ORDERS_PLACED",
    "ORDER_VALUE",
]
