"""``orders serve`` as a separate process on a free loopback port, for the end-to-end tests.

The server picks its own port (``--port 0``) and prints it in its banner, so no port can be
taken by someone else between choosing and binding. Stopping sends SIGTERM and expects the
clean exit the command promises; the server's output is kept for failure messages.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

STARTUP_TIMEOUT: Final = 60.0
STOP_TIMEOUT: Final = 15.0
_LISTENING: Final = re.compile(r"listening on (http://127\.0\.0\.1:(\d+))")


@dataclass(frozen=True, slots=True)
class RunningServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _environment(extra: Mapping[str, str]) -> dict[str, str]:
    # Only what the command line says configures the server: no stray ORDERS_* from the shell.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ORDERS_")}
    return {**inherited, "PYTHONUNBUFFERED": "1", **extra}


def _wait_for_url(process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        found = _LISTENING.search(log.read_text(encoding="utf-8", errors="replace"))
        if found:
            return found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
    raise RuntimeError(f"orders serve did not start (exit {process.poll()}):\n{tail}")


def _terminate(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, then the exit status; killed after STOP_TIMEOUT (and TimeoutExpired raised)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def stop(server: RunningServer) -> int:
    """Stop ``server`` as Ctrl+C or a service manager would; its exit status."""
    return _terminate(server.process)


@contextmanager
def orders_serve(
    workdir: Path, *args: str, env: Mapping[str, str] | None = None
) -> Iterator[RunningServer]:
    """Run ``orders serve --port 0 ARGS`` in ``workdir`` until the block ends."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"serve-{time.monotonic_ns()}.log"
    command = [sys.executable, "-m", "orders_local.cli", "serve", "--port", "0", *args]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=_environment(env or {}),
        )
    try:
        server = RunningServer(_wait_for_url(process, log), process, log)
        yield server
    finally:
        _terminate(process)


__all__ = ["RunningServer", "orders_serve", "stop"]
