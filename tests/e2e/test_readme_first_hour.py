"""The README's "Your first hour" commands, run as written against a started server.

The first block (install, start) is checked word for word and played by the test: the
server starts with the same options on a free port, and ``.venv`` is this interpreter's
environment, so ``.venv/bin/orders`` is the command under test. Every later block runs in
bash, in that order, with only the URL changed to the server's.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Final

import pytest

from tests.support.local_server import RunningServer, orders_serve, stop

pytestmark = pytest.mark.slow

ROOT: Final = Path(__file__).resolve().parents[2]
DOCUMENTED_URL: Final = "http://127.0.0.1:8000"
START: Final = [
    "python3 -m venv .venv && .venv/bin/pip install --quiet -e '.[local]'",
    ".venv/bin/orders serve --events",
]


def _first_hour_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Your first hour\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.DOTALL)


def _wait_for(server: RunningServer, pattern: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not re.search(pattern, server.output()):
        assert time.monotonic() < deadline, server.output()[-3000:]
        time.sleep(0.1)


def test_the_first_hour_starts_the_server_the_way_the_test_does() -> None:
    assert _first_hour_blocks()[0].splitlines() == START


def test_the_first_hour_commands_run_as_written(tmp_path: Path) -> None:
    workdir = tmp_path / "checkout"
    workdir.mkdir()
    (workdir / "events").symlink_to(ROOT / "events")
    (workdir / ".venv").symlink_to(Path(sys.prefix))
    script = "\n".join(_first_hour_blocks()[1:])
    environment = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    with orders_serve(workdir, "--events", env={"POWERTOOLS_TRACE_DISABLED": "true"}) as server:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script.replace(DOCUMENTED_URL, server.url)],
            cwd=workdir,
            env=environment,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        order_id = re.search(r"placed order (\S+)", done.stdout)
        assert order_id, done.stdout
        order = order_id.group(1)
        said = [line for line in done.stdout.splitlines() if line.startswith(("applied", "no"))]
        assert said == [
            f"applied: order {order} is now PAID (version 2)",
            f"applied: order {order} is now SHIPPED (version 3)",
            f"applied: order {order} is now DELIVERED (version 4)",
            (
                f"no change: order {order} is already DELIVERED (version 4); a repeated or late "
                "PAYMENT_COMPLETED changes nothing"
            ),
        ]
        assert f'"id":"{order}"' in done.stdout  # the DELIVERED list names it
        assert '"batchItemFailures": []' in done.stdout  # the publisher sample ran
        for event in ("OrderPlaced", "OrderPaid", "OrderShipped", "OrderDelivered"):
            _wait_for(server, rf"event {event}\s+order {order} ")
        assert stop(server) == 0
