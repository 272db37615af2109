"""The event flow on one machine, through the ``orders`` command as a user runs it:
``orders serve --events`` prints each order event as it is written, and
``orders events pay|ship`` feed the consumers on the same SQLite file."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.support.cli import run_orders
from tests.support.http_client import ApiClient, new_order
from tests.support.local_server import RunningServer, orders_serve, stop
from tests.support.moto_server import AWS_TEST_ENVIRONMENT, moto_server

pytestmark = pytest.mark.slow


def _wait_for_event(server: RunningServer, pattern: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, server.output())
        if found:
            return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no line matching {pattern!r} in:\n{server.output()[-3000:]}")


def test_serve_with_events_prints_the_lifecycle_fed_by_the_events_command(
    tmp_path: Path,
) -> None:
    with orders_serve(tmp_path, "--events") as server:
        api = ApiClient(server.url, customer="flow-customer")
        order = api.post("/orders", json_body=new_order()).json()
        _wait_for_event(server, rf"event OrderPlaced\s+order {order['id']} v1")

        short = run_orders(tmp_path, "events", "pay", order["id"], "--amount", "1")
        assert short.returncode == 1
        assert short.stdout.startswith("refused: PAYMENT_MISMATCH: "), short.stdout
        paid = run_orders(tmp_path, "events", "pay", order["id"])  # the order's total
        assert paid.returncode == 0, paid.stderr
        assert paid.stdout == f"applied: order {order['id']} is now PAID (version 2)\n"
        _wait_for_event(server, rf"event OrderPaid\s+order {order['id']} v2\s+status PAID")

        shipped = run_orders(tmp_path, "events", "ship", order["id"])
        assert shipped.returncode == 0, shipped.stderr
        _wait_for_event(server, rf"event OrderShipped\s+order {order['id']} v3")
        assert api.get(f"/orders/{order['id']}").json()["status"] == "SHIPPED"

        assert stop(server) == 0
    # Each event printed once, though the publisher polled many times.
    assert len(re.findall(rf"event OrderPaid\s+order {order['id']}", server.output())) == 1


def test_paying_an_unknown_order_is_refused_with_its_reason(tmp_path: Path) -> None:
    refused = run_orders(tmp_path, "events", "pay", "ord-does-not-exist")
    assert refused.returncode == 1
    assert refused.stdout == "refused: ORDER_NOT_FOUND: order ord-does-not-exist not found\n"


def test_dlq_command_fails_with_one_line_when_sqs_cannot_be_reached(tmp_path: Path) -> None:
    # Nothing listens on port 9 and there are no credentials: a message, not a traceback.
    answer = run_orders(
        tmp_path,
        "dlq",
        "list",
        "payments-dlq",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--region",
        "eu-west-1",
    )
    assert answer.returncode == 2
    assert "Traceback" not in answer.stderr, answer.stderr
    assert answer.stdout.startswith("orders dlq: SQS refused or could not be reached:")


def test_dlq_command_without_a_region_says_so_in_one_line(tmp_path: Path) -> None:
    answer = run_orders(
        tmp_path,
        "dlq",
        "list",
        "payments-dlq",
        env={"PATH": "/usr/bin:/bin", "AWS_CONFIG_FILE": "/dev/null"},
    )
    assert answer.returncode == 2
    assert "Traceback" not in answer.stderr, answer.stderr
    assert answer.stdout.startswith("orders dlq: SQS refused or could not be reached:")


def test_serve_with_events_on_dynamodb_prints_what_the_stream_carries(tmp_path: Path) -> None:
    with (
        moto_server(threaded=False) as endpoint,
        orders_serve(
            tmp_path, "--events", "--dynamodb-endpoint", endpoint, env=AWS_TEST_ENVIRONMENT
        ) as server,
    ):
        api = ApiClient(server.url, customer="stream-customer")
        order = api.post("/orders", json_body=new_order()).json()
        _wait_for_event(server, rf"event OrderPlaced\s+order {order['id']} v1")
        assert stop(server) == 0
    assert "publisher stopped" not in server.output()
