"""The required-libraries floor of the DynamoDB cold start (``lambda_bench``): the bare-SDK
floor's GetItem (``benchmarks/dynamodb_floor.py``, imported for its client) behind what every
entrypoint needs around it, Powertools' REST resolver (``APIGatewayRestResolver``) and its
Logger (one JSON line per request with the correlation id), and none of this project's code.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from dynamodb_floor import get_item

logger = Logger(service="floor")
app = APIGatewayRestResolver()


@app.get("/orders/<order_id>")
def get_order(order_id: str) -> Response[str] | dict[str, Any]:
    item = get_item(order_id)
    if item is None:
        return Response(status_code=404, content_type="application/json", body="{}")
    return item


@logger.inject_lambda_context(clear_state=True, log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.set_correlation_id(event["requestContext"]["requestId"])
    logger.info("get order")
    return app.resolve(event, context)
