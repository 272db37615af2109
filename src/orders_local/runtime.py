"""One execution environment: a process that runs the real entrypoints, one event at a time.

``python -m orders_local.runtime FD`` is what :mod:`orders_local.environments`
starts. Like a Lambda execution environment it imports the entrypoints once (its cold
start), says it is ready, then loops: receive an invocation, run it, send back the result.
Nothing is shared with other environments but the store, so no per-request state a library
keeps at module or class level (Powertools' current event, its metrics buffer) can leak
between concurrent requests.

The conversation with the front end runs over the socket ``FD``: length-prefixed JSON
frames, JSON as the Lambda runtime API uses, so a result that would not survive Lambda's
serialisation fails here too. Logs go to the inherited stdout and stderr. The process
ignores SIGINT and SIGTERM: the front end decides when it stops (it closes the socket once
in-flight requests are done), and a Ctrl+C in the terminal cannot cut a request short. It
exits when the socket closes, so it never outlives the front end.
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import struct
import sys
from typing import Any, Final

from orders_lambda.routes import LambdaHandler, entrypoints, load_handler
from orders_local.app import function_name
from orders_local.context import LocalLambdaContext

HEADER: Final = struct.Struct("!I")
MAX_FRAME: Final = 64 * 1024 * 1024

log = logging.getLogger("orders.environment")


def encode(message: object) -> bytes:
    payload = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return HEADER.pack(len(payload)) + payload


def _read_exactly(stream: Any, size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def receive(stream: Any) -> Any:
    """The next frame, or None when the front end closed the socket."""
    header = _read_exactly(stream, HEADER.size)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    if size > MAX_FRAME:
        raise ValueError(f"a frame of {size} bytes is over the limit")
    payload = _read_exactly(stream, size)
    return None if payload is None else json.loads(payload)


def _load(replacement: str | None) -> dict[str, LambdaHandler]:
    """Every HTTP entrypoint's handler; with ``replacement`` ("module:function"), that one
    handler for every route (the benchmark's hello-world floor)."""
    if replacement is not None:
        handler = load_handler(replacement)
        return dict.fromkeys(entrypoints(), handler)
    return {entrypoint: load_handler(entrypoint) for entrypoint in entrypoints()}


def run_one(handlers: dict[str, LambdaHandler], invocation: dict[str, Any]) -> bytes:
    """The reply frame for one invocation: ``{"result": ...}`` or ``{"error": type}``."""
    entrypoint: str = invocation["entrypoint"]
    context = LocalLambdaContext(function_name(entrypoint), invocation["timeout"])
    try:
        result = handlers[entrypoint](invocation["event"], context)
        return encode({"result": result})
    except Exception as exc:  # the function failed: Lambda reports it; the gateway says 502
        log.exception("%s failed on request %s", entrypoint, invocation.get("request_id"))
        return encode({"error": type(exc).__name__})


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    channel = socket.socket(fileno=int(argv[0]))
    stream = channel.makefile("rb")
    replacement = argv[2] if argv[1:2] == ["--handler"] else None
    handlers = _load(replacement)  # an import error ends the process: the front end says so
    channel.sendall(encode({"ready": True}))
    while True:
        invocation = receive(stream)
        if invocation is None:
            return 0
        channel.sendall(run_one(handlers, invocation))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
