"""``orders events follow|pay|ship`` as a user runs it: a bad id, a redelivery, a refusal,
and a viewer that leaves the publisher's place in the outbox alone."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.cli import run_orders

pytestmark = pytest.mark.slow

EVENTS = Path(__file__).resolve().parents[2] / "events"
SHELL = {"PATH": "/usr/bin:/bin", "POWERTOOLS_TRACE_DISABLED": "true"}
CHECKPOINT = Path(".orders") / "orders.sqlite3.outbox-checkpoint"


def _orders(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_orders(workdir, *args, env=SHELL)


def _place(workdir: Path) -> str:
    done = _orders(
        workdir, "invoke", "create_order", "--event", str(EVENTS / "create_order.json"), "--seed"
    )
    assert done.returncode == 0, done.stderr
    order_id: str = json.loads(done.stdout)["body"]["id"]
    return order_id


@pytest.mark.parametrize("action", ["pay", "ship"])
def test_an_id_no_order_can_have_is_one_line_and_exit_2(tmp_path: Path, action: str) -> None:
    done = _orders(tmp_path, "events", action, "bad id!")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        f"orders events {action}: argument ORDER_ID: 'bad id!' is not an order id (1 to 64 "
        "letters, digits, '_' or '-'; POST /orders answers with one) "
        f"(see orders events {action} --help)\n"
    )
    assert not (tmp_path / ".orders").exists()  # refused before any store was opened


def test_paying_twice_says_the_second_payment_changed_nothing(tmp_path: Path) -> None:
    order_id = _place(tmp_path)
    first = _orders(tmp_path, "events", "pay", order_id)
    again = _orders(tmp_path, "events", "pay", order_id)
    assert (first.returncode, first.stdout) == (
        0,
        f"applied: order {order_id} is now PAID (version 2)\n",
    )
    assert again.returncode == 0
    assert again.stdout == (
        f"no change: order {order_id} is already PAID (version 2); a repeated or late "
        "PAYMENT_COMPLETED changes nothing\n"
    )


def test_a_refused_shipment_says_why_in_one_line_and_exits_1(tmp_path: Path) -> None:
    order_id = _place(tmp_path)
    early = _orders(tmp_path, "events", "ship", order_id, "--delivered")
    assert early.returncode == 1
    assert early.stdout == "refused: ILLEGAL_TRANSITION: a PENDING order cannot become DELIVERED\n"
    assert "Traceback" not in early.stderr


def _follow(workdir: Path, *args: str) -> subprocess.Popen[str]:
    follower = subprocess.Popen(
        [sys.executable, "-m", "orders_local.cli", "events", "follow", *args],
        cwd=workdir,
        env=SHELL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert follower.stdout is not None
    assert follower.stdout.readline().startswith("following the order events of")
    return follower


def _lines_until(follower: subprocess.Popen[str], wanted: str, timeout: float = 20) -> list[str]:
    assert follower.stdout is not None
    deadline, lines = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        line = follower.stdout.readline()
        lines.append(line)
        if wanted in line:
            return lines
    raise AssertionError(f"no line with {wanted!r} in {lines}")


def _stop(follower: subprocess.Popen[str]) -> None:
    follower.send_signal(signal.SIGINT)
    assert follower.wait(timeout=15) == 0


def test_follow_shows_only_new_events_and_never_moves_the_publishers_checkpoint(
    tmp_path: Path,
) -> None:
    older = _place(tmp_path)
    (tmp_path / CHECKPOINT).write_text("1\n", encoding="ascii")  # where serve --events was

    follower = _follow(tmp_path)
    newer = _place(tmp_path)
    seen = _lines_until(follower, newer)
    _stop(follower)

    assert not any(older in line for line in seen)
    assert (tmp_path / CHECKPOINT).read_text(encoding="ascii") == "1\n"


def test_follow_from_start_replays_every_event_and_leaves_the_checkpoint(tmp_path: Path) -> None:
    first, second = _place(tmp_path), _place(tmp_path)
    (tmp_path / CHECKPOINT).write_text("2\n", encoding="ascii")

    follower = _follow(tmp_path, "--from-start")
    seen = _lines_until(follower, second)
    _stop(follower)

    assert [line.split()[3] for line in seen if line.startswith("event")] == [first, second]
    assert (tmp_path / CHECKPOINT).read_text(encoding="ascii") == "2\n"
