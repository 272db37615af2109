"""The helper processes of ``orders serve``: the event publisher (:mod:`orders_local.follower`)
and the payment deadline scheduler (:mod:`orders_local.scheduler`).

Each runs apart from the API, in a process of its own, as its counterpart in AWS runs apart
from the API's functions, sharing nothing with them but the store. The server and a helper hold
the ends of one socket: the helper sends one byte once it is ready, and stops when the socket
closes, when the server stops and also when the server is killed, so a helper never outlives
it.
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
from typing import Any, Final

from orders_local.workspace import Workspace

READY_TIMEOUT_SECONDS: Final = 30.0
STOP_TIMEOUT_SECONDS: Final = 5.0


@dataclass(slots=True)
class HelperProcess:
    process: subprocess.Popen[bytes]
    channel: socket.socket

    def stop(self) -> None:
        self.channel.close()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_helper(module: str, what: str, workspace: Workspace, **extra: Any) -> HelperProcess:
    """Run ``python -m module`` on ``workspace`` (and ``extra``), and wait until it is ready or
    has said on stderr why it stopped; ``what`` names it in the one line said if it is slow."""
    ours, theirs = socket.socketpair()
    arguments = {
        "db": str(workspace.db),
        "dynamodb_endpoint": workspace.dynamodb_endpoint,
        "flags": None if workspace.flags is None else str(workspace.flags),
        **extra,
    }
    try:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", module, str(theirs.fileno()), json.dumps(arguments)],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
        )
    finally:
        theirs.close()
    ours.settimeout(READY_TIMEOUT_SECONDS)
    try:
        ours.recv(1)  # b"" when it stopped first: it has said why on stderr
    except TimeoutError:
        sys.stderr.write(f"orders serve: the {what} is not ready yet; serving anyway\n")
    ours.settimeout(None)
    return HelperProcess(process, ours)


@dataclass(slots=True)
class HelperSide:
    """The helper's end: its workspace and arguments, and the events it runs by."""

    workspace: Workspace
    arguments: dict[str, Any]
    channel: socket.socket
    ready: threading.Event
    stop: threading.Event

    @classmethod
    def of(cls, argv: list[str], name: str) -> HelperSide:
        """From the helper's command line; the server's signals are ignored (it says when to
        stop), and a thread sets ``stop`` once the socket closes, after ``ready`` is set."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        given: dict[str, Any] = json.loads(argv[1])
        side = cls(
            Workspace(
                db=Path(given["db"]),
                dynamodb_endpoint=given["dynamodb_endpoint"],
                flags=None if given["flags"] is None else Path(given["flags"]),
            ),
            given,
            socket.socket(fileno=int(argv[0])),
            threading.Event(),
            threading.Event(),
        )
        threading.Thread(target=side._watch, name=name, daemon=True).start()
        return side

    def _watch(self) -> None:
        self.ready.wait()
        self.channel.sendall(b"r")
        while self.channel.recv(1024):
            pass
        self.stop.set()
