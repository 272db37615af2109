"""The outbox publisher's Lambda entrypoint (a DynamoDB stream mapping with
ReportBatchItemFailures): the batch's outbox events go to the bus; see
:mod:`orders_lambda.outbox`."""

from __future__ import annotations

from typing import Any

from orders_lambda import bootstrap
from orders_lambda.consumers.common import bind_invocation
from orders_lambda.outbox import publish_records


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    publisher = bootstrap.container().event_publisher()
    bind_invocation(context)
    return publish_records(event, publisher)


# In Lambda, a misconfigured function (the bus too) fails its init, naming the variable.
bootstrap.init(publisher=True, store=False)
