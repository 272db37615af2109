"""The two state machines rendered as the Pulumi program renders them, with ARNs of the
shape a stack gives (the tests need concrete values; the documents are the same functions'
output whatever ARNs they name)."""

from __future__ import annotations

from typing import Any, Final

from deploy_pulumi.orders_stack.workflow_definitions import (
    deadline_definition,
    starter_definition,
)

ACCOUNT: Final = "123456789012"
REGION: Final = "eu-west-1"
EXPIRY_FUNCTION: Final = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-dev-expiry:live"
DEADLINE_MACHINE: Final = (
    f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:orders-dev-payment-deadline-deadline"
)
DLQ_URL: Final = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/orders-dev-payment-deadline-dlq"


def rendered() -> dict[str, dict[str, Any]]:
    """Both documents, by a file name for each."""
    return {
        "deadline.json": deadline_definition(EXPIRY_FUNCTION, DLQ_URL),
        "starter.json": starter_definition(DEADLINE_MACHINE, DLQ_URL),
    }
