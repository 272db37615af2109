"""Each log line names the API Gateway request it belongs to, and only that one."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from orders_lambda import observability
from tests.support.apigw import NEW_ORDER, Call, FakeLambdaContext, invoke, rest_event


@pytest.fixture
def log_stream(call: Call) -> Iterator[io.StringIO]:
    call("GET", "/orders/warm-up")  # the logger exists from the first invocation on
    handler = observability.logger().registered_handler
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_log_lines_carry_the_request_id_of_their_own_request(
    call: Call, context: FakeLambdaContext, log_stream: io.StringIO
) -> None:
    placing = rest_event("POST", "/orders", body=NEW_ORDER)
    assert invoke(placing, context).status == 201
    missing = rest_event("GET", "/orders/no-such-order")
    assert invoke(missing, context).status == 404
    records = [json.loads(line) for line in log_stream.getvalue().splitlines()]
    by_message = {r["message"]: r["correlation_id"] for r in records}
    assert by_message["order placed"] == placing["requestContext"]["requestId"]
    assert by_message["request refused"] == missing["requestContext"]["requestId"]


def test_a_request_without_a_request_id_logs_none_rather_than_the_previous_one(
    call: Call, context: FakeLambdaContext, log_stream: io.StringIO
) -> None:
    assert invoke(rest_event("GET", "/orders/first-missing"), context).status == 404
    anonymous = rest_event("GET", "/orders/second-missing")
    del anonymous["requestContext"]["requestId"]
    assert invoke(anonymous, context).status == 404
    last = json.loads(log_stream.getvalue().splitlines()[-1])
    assert last.get("correlation_id") is None
