"""The local gateway (ASGI app and connection protocol) on uvicorn in a background thread.

For tests of the HTTP-to-event translation: a real loopback socket and the real front end,
with the test's own invoker in place of the execution environments.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from orders_local.app import Invoker, LocalApi, LocalApiConfig
from orders_local.protocol import ConnectionLimits
from orders_local.server import front_end


@contextmanager
def gateway_in_thread(
    config: LocalApiConfig, invoke: Invoker, limits: ConnectionLimits | None = None
) -> Iterator[int]:
    """Serve ``invoke`` behind the gateway on a free loopback port (yielded) until the block
    ends."""
    connection_limits = limits or ConnectionLimits()
    listener = socket.create_server(("127.0.0.1", 0))
    server = front_end(LocalApi(config, invoke), connection_limits)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[listener])), daemon=True
    )
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.01)
    try:
        yield listener.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


__all__ = ["gateway_in_thread"]
