"""Incoming messages as the payments and shipments services send them."""

from __future__ import annotations

import json
from typing import Any

from tests.support.fakes import EPOCH


def payment(order_id: str, *, payment_id: str = "pay-1", **changes: Any) -> str:
    """A PAYMENT_COMPLETED body; ``changes`` replace or add fields (None removes one)."""
    body: dict[str, Any] = {
        "type": "PAYMENT_COMPLETED",
        "payment_id": payment_id,
        "order_id": order_id,
        "amount": 1000,
        "currency": "EUR",
        "completed_at": EPOCH.isoformat(),
    }
    body.update(changes)
    return json.dumps({k: v for k, v in body.items() if v is not None})


def shipment(
    order_id: str,
    detail_type: str = "SHIPMENT_DISPATCHED",
    *,
    event_id: str = "evt-1",
    **extra: Any,
) -> dict[str, Any]:
    """An EventBridge event from the shipments service; ``extra`` adds fields to the detail."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": "shipments",
        "account": "123456789012",
        "time": EPOCH.isoformat(),
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "shipment_id": "ship-1",
            "order_id": order_id,
            "occurred_at": EPOCH.isoformat(),
            **extra,
        },
    }
