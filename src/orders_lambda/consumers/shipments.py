"""EventBridge → MarkShipped / MarkDelivered: the shipments service's events.

The rule matches ``source`` ``shipments`` (:data:`SHIPMENTS_SOURCE`, the shipments service's)
and ``detail-type`` ``SHIPMENT_DISPATCHED`` or ``SHIPMENT_DELIVERED``, and invokes this function
asynchronously, one event per invocation. A rejected event raises
:class:`ShipmentRejected` after logging its reason with the event id: Lambda's asynchronous
retries run it again (an event that came before the order was paid or dispatched succeeds
once the earlier event has been applied), and when those are spent the function's on-failure
destination, an SQS dead-letter queue, keeps it with the error for ``orders dlq``. The rule's
own dead-letter queue takes the events EventBridge could not hand to Lambda at all.

A repeat, or an event for a state the order has already passed, succeeds and changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from orders_core import ORDER_ID_PATTERN
from orders_lambda.consumers.common import (
    SHIPMENTS_PRINCIPAL,
    MessageRejected,
    TransitionUseCase,
    apply,
    log_applied,
    log_rejected,
    validated,
)
from orders_manifest.events import (
    SHIPMENT_DISPATCHED,
    SHIPMENTS_CONSUMER,
    SHIPMENTS_SOURCE,
)

CONSUMER: Final = SHIPMENTS_CONSUMER
# Only the shipments service's events move orders: the rule matches its source, and the
# consumer refuses another source that reaches it anyway. The Literal spells the manifest's
# two types out (a test keeps them equal): pydantic needs them written here.
ShipmentType = Literal["SHIPMENT_DISPATCHED", "SHIPMENT_DELIVERED"]


class ShipmentDetail(BaseModel):
    """The ``detail`` of a shipments event; unknown fields are refused (see payments)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    shipment_id: Annotated[str, Field(min_length=1, max_length=128)]
    order_id: Annotated[str, Field(pattern=f"^{ORDER_ID_PATTERN.pattern}$")]
    occurred_at: AwareDatetime


class ShipmentEvent(BaseModel):
    """The EventBridge envelope; its other fields (account, region, ...) are EventBridge's
    and are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    id: Annotated[str, Field(min_length=1, max_length=128)]
    detail_type: Annotated[ShipmentType, Field(alias="detail-type")]
    source: Annotated[str, Field(pattern=f"^{SHIPMENTS_SOURCE}$")]
    detail: ShipmentDetail


class ShipmentRejected(RuntimeError):
    """Raised so that Lambda retries the event and, past its retries, dead-letters it."""


def _event_id(event: object) -> str:
    raw = event.get("id") if isinstance(event, dict) else None
    return raw if isinstance(raw, str) and 0 < len(raw) <= 128 else "(none)"


def process_event(
    event: dict[str, Any], *, mark_shipped: TransitionUseCase, mark_delivered: TransitionUseCase
) -> dict[str, Any]:
    """Apply one shipments event; a short summary when applied, ShipmentRejected otherwise."""
    event_id = _event_id(event)
    order_id: str | None = None
    try:
        shipment = validated(ShipmentEvent, event)
        order_id = shipment.detail.order_id
        use_case = mark_shipped if shipment.detail_type == SHIPMENT_DISPATCHED else mark_delivered
        applied = apply(use_case, SHIPMENTS_PRINCIPAL, order_id)
    except MessageRejected as rejected:
        log_rejected(CONSUMER, event_id, rejected, order_id)
        raise ShipmentRejected(f"event {event_id}: {rejected}") from rejected
    log_applied(CONSUMER, event_id, applied)
    return {"order_id": applied.order_id, "changed": applied.changed, "version": applied.version}
