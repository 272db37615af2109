"""What the consumers share: message validation, the transition call and its log lines.

A message is either applied (the order changed, or had already reached that state) or
rejected with a reason code. Rejections are logged with the message id and the order id
only: message bodies may carry personal data and are never logged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError

from orders_core import OrdersError, Principal, Transition
from orders_lambda import metric_names, observability

_M = TypeVar("_M", bound=BaseModel)

PAYMENTS_PRINCIPAL: Final = Principal.staff("service:payments")
SHIPMENTS_PRINCIPAL: Final = Principal.staff("service:shipments")
DEADLINE_PRINCIPAL: Final = Principal.staff("service:payment-deadline")

# Reason codes of a rejection that is the message's own fault (it can never succeed).
MALFORMED: Final = "MALFORMED_MESSAGE"
UNKNOWN_TYPE: Final = "UNKNOWN_MESSAGE_TYPE"

# A transition use case as the consumers call it: MarkPaid, MarkShipped or MarkDelivered.
TransitionUseCase = Callable[[Principal, str], Transition]


class MessageRejected(Exception):
    """A message that was not applied; ``reason`` is a code, ``detail`` says why in words
    that carry no value from the message (field names and rule names only)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Applied:
    """A message that was applied; ``changed`` is False for a repeat or a late arrival."""

    order_id: str
    changed: bool
    version: int


def json_object(text: str) -> dict[str, Any]:
    """``text`` as a JSON object, or MessageRejected(MALFORMED)."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise MessageRejected(MALFORMED, f"not JSON ({type(exc).__name__})") from None
    if not isinstance(value, dict):
        raise MessageRejected(MALFORMED, f"a JSON {type(value).__name__}, not an object")
    return value


def validated(model: type[_M], data: object) -> _M:
    """``data`` as ``model``, or MessageRejected(MALFORMED) naming each bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(part) for part in error['loc']) or '(message)'}: {error['type']}"
            for error in exc.errors(include_url=False, include_input=False, include_context=False)
        ]
        raise MessageRejected(MALFORMED, "; ".join(problems)) from None


def apply(use_case: TransitionUseCase, principal: Principal, order_id: str) -> Applied:
    """Run the transition; a domain refusal (unknown order, cancelled order, an event that
    came too early) or a store failure becomes MessageRejected with the error's code."""
    try:
        transition = use_case(principal, order_id)
    except OrdersError as exc:
        raise MessageRejected(exc.code, str(exc)) from exc
    return Applied(order_id, transition.changed, transition.order.version)


def bind_invocation(context: Any) -> None:
    """Tag this invocation's log lines with its Lambda request id (a correlation id)."""
    request_id = getattr(context, "aws_request_id", None)
    observability.logger().append_keys(request_id=request_id if request_id else None)


def log_applied(consumer: str, message_id: str, applied: Applied) -> None:
    observability.logger().info(
        "message applied" if applied.changed else "message changed nothing (already applied)",
        extra={
            "consumer": consumer,
            "message_id": message_id,
            "order_id": applied.order_id,
            "order_version": applied.version,
            "changed": applied.changed,
        },
    )


def log_rejected(
    consumer: str, message_id: str, rejected: MessageRejected, order_id: str | None = None
) -> None:
    observability.logger().warning(
        "message rejected",
        extra={
            "consumer": consumer,
            "message_id": message_id,
            "order_id": order_id,
            "reason": rejected.reason,
            "detail": rejected.detail,
        },
    )
    observability.count(metric_names.MESSAGES_REJECTED, consumer=consumer, reason=rejected.reason)
