"""The bare-SDK floor of the DynamoDB cold start (``lambda_bench``): a plain Lambda handler
that makes the call our get makes, a consistent GetItem on the orders table, with a client
built as ours is (a session of its own, ``standard`` retries, explicit timeouts, keep-alive;
``orders_adapters.aws_clients``), at import, as our entrypoints build theirs in Lambda's init.

None of this project's code is imported: the table, endpoint and region come from the same
variables the entrypoints read (``ORDERS_TABLE_NAME``, ``ORDERS_DYNAMODB_ENDPOINT``).
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
from botocore.config import Config

TABLE = os.environ["ORDERS_TABLE_NAME"]

client = boto3.session.Session().client(
    "dynamodb",
    endpoint_url=os.environ.get("ORDERS_DYNAMODB_ENDPOINT"),
    config=Config(
        retries={"mode": "standard", "max_attempts": 4},
        connect_timeout=2.0,
        read_timeout=5.0,
        tcp_keepalive=True,
    ),
)


def get_item(order_id: str) -> dict[str, Any] | None:
    """The order's item as the orders table keys it, or None."""
    response = client.get_item(
        TableName=TABLE,
        Key={"PK": {"S": f"ORDER#{order_id}"}, "SK": {"S": "ORDER"}},
        ConsistentRead=True,
    )
    item: dict[str, Any] | None = response.get("Item")
    return item


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    del context
    item = get_item(event["pathParameters"]["order_id"])
    if item is None:
        return {"statusCode": 404, "body": '{"message":"not found"}'}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(item, separators=(",", ":")),
    }
