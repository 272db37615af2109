"""``orders serve``: the local API on werkzeug's threaded WSGI server.

werkzeug's server is a plain threaded HTTP/1.1 server that is kept up to date and already
required by the test tooling; it is meant for development, which is all this is. The app it
serves is :class:`orders_lambda.local.app.LocalApi`.
"""

from __future__ import annotations

import ipaddress
import signal
import sys
import threading
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from orders_lambda.local.app import RAW_HEADERS_KEY, LocalApi, LocalApiConfig
from orders_lambda.local.identity import CUSTOMER_HEADER, STAFF_HEADER, TIER_HEADER
from orders_lambda.local.workspace import Workspace
from orders_lambda.routes import ROUTES, entrypoints, load_handler
from orders_lambda.settings import load_settings

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment


class LocalRequestHandler(WSGIRequestHandler):
    """werkzeug's handler, also passing every header line on (WSGI joins repeated ones)."""

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        environ[RAW_HEADERS_KEY] = list(self.headers.items())
        return environ


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str
    port: int
    workspace: Workspace


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def banner(server: BaseWSGIServer, options: ServeOptions) -> str:
    base = f"http://{options.host}:{server.server_port}"
    lines = [
        f"orders serve: listening on {base}",
        f"  Swagger UI:   {base}/swagger",
        f"  OpenAPI:      {base}/openapi.json",
        f"  store:        {options.workspace.describe()}",
        f"  flags:        {options.workspace.flags or 'none (no discounts)'}",
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


def _stop_on_signals(server: BaseWSGIServer) -> None:
    def stop(_signum: int, _frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever() to return, so it must run on another thread.
        threading.Thread(target=server.shutdown, name="orders-serve-stop", daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def serve(options: ServeOptions, out: TextIO = sys.stdout) -> int:
    """Run the local API until SIGINT or SIGTERM; the process's exit status."""
    options.workspace.activate()
    settings = load_settings()  # fail now, naming the variable, not on the first request
    for entrypoint in entrypoints():
        load_handler(entrypoint)  # an import error shows at startup, not as a 502 later
    app = LocalApi(
        LocalApiConfig(
            max_body_bytes=settings.max_body_bytes,
            staff_group=settings.staff_group,
            tier_claim=settings.tier_claim,
        )
    )
    server = make_server(
        options.host, options.port, app, threaded=True, request_handler=LocalRequestHandler
    )
    _stop_on_signals(server)
    routes = ", ".join(route.name for route in ROUTES)
    out.write(f"{banner(server, options)}\n  routes: {routes}\n")
    out.flush()
    try:
        server.serve_forever()
    finally:
        server.server_close()
    out.write("orders serve: stopped\n")
    out.flush()
    return 0


__all__ = ["LocalRequestHandler", "ServeOptions", "banner", "serve"]
