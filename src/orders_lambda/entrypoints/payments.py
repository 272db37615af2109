"""The payments consumer's Lambda entrypoint (an SQS event source mapping with
ReportBatchItemFailures): each ``PAYMENT_COMPLETED`` message marks its order paid; see
:mod:`orders_lambda.consumers.payments`."""

from __future__ import annotations

from typing import Any

from orders_lambda import bootstrap
from orders_lambda.consumers.common import bind_invocation
from orders_lambda.consumers.payments import process_batch


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    mark_paid = bootstrap.container().mark_paid()
    bind_invocation(context)
    return process_batch(event, mark_paid)


bootstrap.init()  # in Lambda, a misconfigured function fails its init, naming the variable
