"""A local order left unpaid expires at its deadline over real HTTP: ``orders serve
--payment-deadline`` with a short deadline, the scheduler in the server, ``--events``
printing the cancellation with its reason, and an order whose deadline passed while the
server was down expiring right after it starts again."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orders_core import parse_time
from tests.support.http_client import ApiClient, new_order
from tests.support.local_server import orders_serve, stop

pytestmark = pytest.mark.slow

DEADLINE_SECONDS = 4
# The scheduler ticks each second; the rest is room for a loaded machine.
LATE_BY_AT_MOST = timedelta(seconds=4)


def _wait_for_status(api: ApiClient, order_id: str, status: str, timeout: float) -> datetime:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api.get(f"/orders/{order_id}").json()["status"] == status:
            return datetime.now(UTC)
        time.sleep(0.2)
    raise AssertionError(f"order {order_id} did not become {status} within {timeout}s")


def test_an_unpaid_order_expires_at_its_deadline_and_a_cancelled_one_is_left_alone(
    tmp_path: Path,
) -> None:
    with orders_serve(tmp_path, "--payment-deadline", f"{DEADLINE_SECONDS}s", "--events") as server:
        api = ApiClient(server.url, customer="deadline-customer")
        placed = api.post("/orders", json_body=new_order()).json()
        cancelled = api.post("/orders", json_body=new_order()).json()
        due = parse_time(placed["payment_due"])
        assert due - parse_time(placed["created_at"]) == timedelta(seconds=DEADLINE_SECONDS)
        assert api.post(f"/orders/{cancelled['id']}/cancel").status == 200
        assert api.get(f"/orders/{placed['id']}").json()["status"] == "PENDING"

        expired_at = _wait_for_status(api, placed["id"], "CANCELLED", DEADLINE_SECONDS + 15)

        assert due <= expired_at <= due + LATE_BY_AT_MOST + timedelta(seconds=1)
        body = api.get(f"/orders/{placed['id']}").json()
        assert "payment_due" not in body  # shown only while PENDING
        assert body["version"] == 2
        # Cancelled before its deadline: the expiry left it alone (no third version).
        assert api.get(f"/orders/{cancelled['id']}").json()["version"] == 2
        assert stop(server) == 0
    output = server.output()
    assert f"order {placed['id']} expired unpaid at its payment deadline" in output
    # --events: the OrderCancelled the expiry wrote, with its reason.
    printed = [
        line for line in output.splitlines() if placed["id"] in line and "OrderCancelled" in line
    ]
    assert printed, output[-3000:]
    assert any("payment_deadline" in line for line in printed), printed


def test_an_order_due_while_the_server_was_down_expires_after_the_restart(tmp_path: Path) -> None:
    with orders_serve(tmp_path, "--payment-deadline", "2s") as first:
        api = ApiClient(first.url, customer="restart-customer")
        order_id = api.post("/orders", json_body=new_order()).json()["id"]
        assert stop(first) == 0
    time.sleep(3)  # the deadline passes while nothing runs

    with orders_serve(tmp_path) as second:
        api = ApiClient(second.url, customer="restart-customer")
        _wait_for_status(api, order_id, "CANCELLED", 15)
