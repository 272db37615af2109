"""The payment deadline workflow's task → ExpireOrder (the entrypoint is
:mod:`orders_lambda.entrypoints.expiry`).

The Standard workflow (deploy_pulumi.orders_stack.workflow) waits until an order's
``payment_due`` and then invokes this function synchronously with ``{"order_id": ...}``. The
answer tells the workflow what to do next:

- ``{"order_id", "status": "CANCELLED", "changed": true, "version"}``: expired now;
- ``"changed": false`` with the order's status: left alone (paid, shipped, delivered or
  cancelled before, or a second run), or ``"status": "DELETED"`` for an order deleted since;
- ``"status": "PENDING"`` with ``"wait_until"`` (the deadline as a ``Z`` timestamp, the form a
  Wait state takes): not due yet by this function's clock (the workflow's timer ran a little
  early): the workflow waits for that time again.

A store that is busy or unreachable raises ``StoreUnavailable`` and any racing writer that won
every bounded retry ``VersionConflict``: the workflow's Retry (with backoff) names those error
types. Anything else raised (``StoreError``, a malformed input) is not retried: the workflow's
Catch puts the input on the payment-deadline dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field

from orders_core import ORDER_ID_PATTERN, OrderNotFound, OrderStatus, Principal, Transition, utc
from orders_lambda import observability
from orders_lambda.consumers.common import DEADLINE_PRINCIPAL

CONSUMER: Final = "payment-deadline"
# ExpireOrder as the task calls it.
ExpireUseCase = Callable[[Principal, str], Transition]
DELETED: Final = "DELETED"


def wait_timestamp(moment: datetime) -> str:
    """``moment`` as a Wait state's timestamp: UTC with microseconds and a ``Z``."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class ExpiryRequest(BaseModel):
    """The task's input; fields the workflow adds later are ignored, the id is checked."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    order_id: Annotated[str, Field(pattern=f"^{ORDER_ID_PATTERN.pattern}$")]


def expire_task(event: dict[str, Any], *, expire: ExpireUseCase) -> dict[str, Any]:
    """One task invocation: expire the order the event names if it is due; the answer."""
    request = ExpiryRequest.model_validate(event)
    try:
        transition = expire(DEADLINE_PRINCIPAL, request.order_id)
    except OrderNotFound:
        observability.logger().info(
            "order gone before its deadline", extra={"order_id": request.order_id}
        )
        return {"order_id": request.order_id, "status": DELETED, "changed": False}
    order = transition.order
    answer: dict[str, Any] = {
        "order_id": order.id,
        "status": order.status.value,
        "changed": transition.changed,
        "version": order.version,
    }
    if order.status is OrderStatus.PENDING and order.payment_due is not None:
        answer["wait_until"] = wait_timestamp(order.payment_due)
    observability.logger().info(
        "order expired" if transition.changed else "order left alone",
        extra={"consumer": CONSUMER, **answer},
    )
    return answer
