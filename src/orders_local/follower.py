"""``orders serve --events``: the event publisher in an execution environment of its own.

As in AWS, where the publisher is a function fed by the table's stream, it runs apart from
the API: its own process, one batch at a time, sharing nothing with the API's environments
but the store. The server starts it before serving and waits until its starting point is
fixed, so every write after that is published.

The two processes hold the ends of one socket. The publisher sends one byte once it is
ready, and stops when the socket closes: when the server stops, and also when the server is
killed, so the publisher never outlives it.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from orders_local.workspace import Workspace

READY_TIMEOUT_SECONDS: Final = 30.0
STOP_TIMEOUT_SECONDS: Final = 5.0


@dataclass(slots=True)
class PublisherProcess:
    process: subprocess.Popen[bytes]
    channel: socket.socket

    def stop(self) -> None:
        self.channel.close()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _arguments(workspace: Workspace) -> str:
    return json.dumps(
        {
            "db": str(workspace.db),
            "dynamodb_endpoint": workspace.dynamodb_endpoint,
            "flags": None if workspace.flags is None else str(workspace.flags),
        }
    )


def start_publisher(workspace: Workspace) -> PublisherProcess:
    """Start the publisher and wait until it is ready (or has said why it stopped)."""
    ours, theirs = socket.socketpair()
    try:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "orders_local.follower",
                str(theirs.fileno()),
                _arguments(workspace),
            ],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
        )
    finally:
        theirs.close()
    ours.settimeout(READY_TIMEOUT_SECONDS)
    try:
        ours.recv(1)  # b"" when it stopped first: it has said why on stderr
    except TimeoutError:
        sys.stderr.write("orders serve: the event publisher is not ready yet; serving anyway\n")
    ours.settimeout(None)
    return PublisherProcess(process, ours)


def main(argv: list[str]) -> int:
    from orders_local.events import PrintingPublisher, follow

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server says when to stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    channel = socket.socket(fileno=int(argv[0]))
    given = json.loads(argv[1])
    workspace = Workspace(
        db=Path(given["db"]),
        dynamodb_endpoint=given["dynamodb_endpoint"],
        flags=None if given["flags"] is None else Path(given["flags"]),
    )
    stop, ready = threading.Event(), threading.Event()

    def watch() -> None:
        ready.wait()
        channel.sendall(b"r")
        while channel.recv(1024):
            pass
        stop.set()

    threading.Thread(target=watch, name="orders-publisher-watch", daemon=True).start()
    try:
        follow(workspace, PrintingPublisher(), stop, ready=ready)
    except Exception as exc:  # noqa: BLE001 - said once; the API keeps serving
        sys.stderr.write(f"orders serve: the event publisher stopped: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
