"""``orders serve``: a gateway process in front of a pool of execution environments.

The front end is uvicorn on its httptools protocol, extended by :mod:`orders_local.protocol`
(a deadline for request heads, a connection cap, JSON for what cannot be parsed). Its ASGI
app (:mod:`orders_local.app`) plays API Gateway and hands each event to an
:class:`~orders_local.environments.EnvironmentPool`: ``workers`` processes, each
running the real entrypoints one event at a time, as Lambda execution environments do.
docs/architecture.md ("Local server") says why uvicorn and how this maps to Lambda.

SIGINT or SIGTERM stops it gracefully: the socket stops accepting, requests in flight finish
and are answered (a write they acknowledge is committed), idle connections are closed, then
the environments exit.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Final, TextIO

import uvicorn

from orders_lambda.routes import ROUTES
from orders_lambda.settings import load_settings
from orders_local.app import GatewayLimits, LocalApi, LocalApiConfig
from orders_local.compression import DEFAULT_MINIMUM_SIZE
from orders_local.environments import EnvironmentFailedToStart, EnvironmentPool
from orders_local.identity import CUSTOMER_HEADER, STAFF_HEADER, TIER_HEADER
from orders_local.protocol import ConnectionLimits, gateway_protocol
from orders_local.workspace import Workspace

KEEP_ALIVE_SECONDS: Final = 5
GRACEFUL_SHUTDOWN_SECONDS: Final = 30
DEFAULT_QUEUE: Final = 128
DEFAULT_REQUEST_TIMEOUT: Final = 10.0


def default_workers() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str
    port: int
    workspace: Workspace
    workers: int = 0  # 0: one per CPU
    queue: int = DEFAULT_QUEUE
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    # Responses of at least this many bytes are compressed for clients that ask (None: never).
    minimum_compression_size: int | None = DEFAULT_MINIMUM_SIZE
    # Extra arguments for every environment process (the benchmark's floor swaps the handler).
    runtime_args: tuple[str, ...] = ()

    @property
    def environments(self) -> int:
        return self.workers or default_workers()


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def banner(port: int, options: ServeOptions, pids: list[int]) -> str:
    base = f"http://{options.host}:{port}"
    lines = [
        f"orders serve: listening on {base}",
        f"  Swagger UI:   {base}/swagger",
        f"  OpenAPI:      {base}/openapi.json",
        f"  store:        {options.workspace.describe()}",
        f"  flags:        {options.workspace.flags or 'none (no discounts)'}",
        (
            f"  environments: {len(pids)} processes, one request at a time each "
            f"(pids {', '.join(map(str, pids))}); up to {options.queue} requests queue"
        ),
        "  LOCAL ONLY - development identity from request headers (never honoured in Lambda):",
        f"    {CUSTOMER_HEADER}: alice   {STAFF_HEADER}: 1   {TIER_HEADER}: premium",
        f'  try: curl -H "{CUSTOMER_HEADER}: alice" {base}/orders',
        "  Ctrl+C stops the server.",
    ]
    if not _is_loopback(options.host):
        lines.insert(
            1,
            "  WARNING: not bound to loopback. Anyone who can reach this port can act as any "
            "customer by sending the development headers.",
        )
    return "\n".join(lines)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError:
        listener.close()
        raise
    listener.listen(1024)
    return listener


_STOP_REQUESTED: Final[list[int]] = []


def _note_signals() -> None:
    """Note SIGINT and SIGTERM while the environments start (the server then stops as soon as
    it is up). uvicorn handles both while it serves, then raises the signal again for
    whoever handled it before: that is this handler, and the server has already stopped."""

    def noted(signum: int, _frame: FrameType | None) -> None:
        _STOP_REQUESTED.append(signum)

    signal.signal(signal.SIGINT, noted)
    signal.signal(signal.SIGTERM, noted)


def front_end(app: LocalApi, limits: ConnectionLimits) -> uvicorn.Server:
    """uvicorn serving ``app`` on the gateway protocol: no lifespan, websockets, access log
    or proxy headers (nothing sits in front of it), logging left to us."""
    config = uvicorn.Config(
        app,
        http=gateway_protocol(limits),
        interface="asgi3",
        lifespan="off",
        ws="none",
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    return uvicorn.Server(config)


async def _run(options: ServeOptions, listener: socket.socket, out: TextIO) -> int:
    settings = load_settings()  # fail now, naming the variable, not on the first request
    pool = EnvironmentPool(options.environments, options.queue, runtime_args=options.runtime_args)
    try:
        await pool.start()
    except EnvironmentFailedToStart as exc:
        sys.stderr.write(f"orders serve: {exc}\n")
        return 1
    limits = ConnectionLimits(head_timeout=options.request_timeout)
    app = LocalApi(
        LocalApiConfig(
            staff_group=settings.staff_group,
            tier_claim=settings.tier_claim,
            limits=GatewayLimits(
                max_body_bytes=settings.max_body_bytes,
                body_timeout_seconds=options.request_timeout,
                minimum_compression_size=options.minimum_compression_size,
            ),
        ),
        invoke=pool.invoke,
    )
    server = front_end(app, limits)
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.01)
    if _STOP_REQUESTED:  # asked to stop while starting
        server.should_exit = True
    try:
        if server.started:
            port = listener.getsockname()[1]
            routes = ", ".join(route.name for route in ROUTES)
            out.write(f"{banner(port, options, pool.pids)}\n  routes: {routes}\n")
            out.flush()
        await serving
    finally:
        await pool.stop()
    return 0 if server.started else 1


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (the ``local`` extra has it, except on Windows): the
    front end's CPU per request is the server's ceiling, and uvloop takes about a fifth off
    it; the standard loop otherwise."""
    try:
        import uvloop  # optional: not on Windows
    except ImportError:
        return None
    return uvloop.new_event_loop


def serve(options: ServeOptions, out: TextIO = sys.stdout) -> int:
    """Run the local API until SIGINT or SIGTERM; the process's exit status."""
    options.workspace.activate()  # the environments inherit the ORDERS_* variables
    listener = _listen(options.host, options.port)
    _note_signals()
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            status = runner.run(_run(options, listener, out))
    finally:
        listener.close()
    out.write("orders serve: stopped\n")
    out.flush()
    return status


__all__ = [
    "DEFAULT_QUEUE",
    "DEFAULT_REQUEST_TIMEOUT",
    "ServeOptions",
    "banner",
    "default_workers",
    "front_end",
    "serve",
]
