"""The DynamoDB cold-start floors of ``benchmarks/lambda_bench.py`` make the call our get makes.

Each floor runs as the benchmark runs it, in a fresh interpreter given only the variables an
entrypoint on DynamoDB reads, against a moto server; it must find an order the repository
stored and answer 404 for one it did not, so a floor whose key drifts from the table's (and
would then time a miss instead of a read) fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from orders_adapters.dynamodb import DynamoDbOrderRepository
from tests.support.apigw import CUSTOMER, rest_event
from tests.support.builders import placed_order
from tests.support.moto_server import AWS_TEST_ENVIRONMENT

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.integration

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
CALL = """
import json, sys
sys.path.insert(0, sys.argv[1])
module = __import__(sys.argv[2])

class Context:
    function_name = "floor"
    memory_limit_in_mb = 256
    aws_request_id = "floor"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:floor"

for event in json.loads(sys.argv[3]):
    print(json.dumps(module.handler(event, Context())))
"""
FLOORS = ("dynamodb_floor", "dynamodb_powertools_floor")


def _answers(
    floor: str, events: list[dict[str, Any]], table: str, endpoint: str
) -> list[dict[str, Any]]:
    """What ``floor``'s handler answers to each of ``events``, in one fresh process."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ORDERS_"))}
    environment = {
        **keep,
        **AWS_TEST_ENVIRONMENT,
        "ORDERS_TABLE_NAME": table,
        "ORDERS_DYNAMODB_ENDPOINT": endpoint,
    }
    done = subprocess.run(
        [sys.executable, "-c", CALL, str(BENCHMARKS), floor, json.dumps(events)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    printed = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    answers = [p for p in printed if "statusCode" in p]  # not the Logger's lines
    assert len(answers) == len(events), done.stdout
    return answers


@pytest.mark.parametrize("floor", FLOORS)
def test_a_floor_reads_a_stored_order_and_misses_an_unknown_one(
    floor: str, dynamodb_client: DynamoDBClient, orders_table: str, moto_endpoint: str
) -> None:
    order, event = placed_order(str(uuid.uuid4()), CUSTOMER["sub"])
    repo = DynamoDbOrderRepository(dynamodb_client, orders_table, cursor_key=b"k" * 32)
    repo.add(order, [event])

    events = [
        rest_event("GET", f"/orders/{order.id}"),
        rest_event("GET", f"/orders/{uuid.uuid4()}"),
    ]
    found, unknown = _answers(floor, events, orders_table, moto_endpoint)
    assert found["statusCode"] == 200
    assert str(order.id) in found["body"]
    assert unknown["statusCode"] == 404
