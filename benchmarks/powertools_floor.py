"""The warm floor of ``lambda_bench``: a hello-world handler with what every entrypoint keeps
around each request, Powertools' Logger (one JSON line with the correlation id), Metrics (one
metric, flushed as EMF) and Tracer, and nothing of this project. A route's warm time over
this one's is what the service's own work costs. The Tracer wraps it only when tracing is on,
as the service's app does (the benchmark turns it off: there is no X-Ray daemon)."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="floor")
metrics = Metrics(namespace="Floor", service="floor")

HELLO = {
    "statusCode": 200,
    "headers": {"Content-Type": "application/json"},
    "body": '{"hello":"world"}',
    "isBase64Encoded": False,
}


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True, log_event=False)
def _hello(event: dict[str, Any], context: Any) -> dict[str, Any]:
    del context
    logger.set_correlation_id(event["requestContext"]["requestId"])
    logger.info("hello")
    metrics.add_metric(name="Hellos", unit=MetricUnit.Count, value=1)
    return HELLO


handler = _hello
if os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() != "true":
    from aws_lambda_powertools import Tracer

    handler = Tracer(service="floor").capture_lambda_handler(_hello, capture_response=False)
