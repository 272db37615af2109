"""uvicorn's HTTP/1.1 protocol with the connection rules of a gateway.

uvicorn (on httptools, the C parser of Node's llhttp) gives keep-alive, pipelining, flow
control and graceful shutdown; it has no deadline for a request's head, no bound on its
size, and what it answers to a request it cannot parse is plain text. This subclass adds
what a front end facing the network needs, and keeps every answer in the service's JSON
error shape with a request id:

- **A deadline for the head.** From the moment a connection opens, or its previous response
  was sent, the next request's head must arrive within ``head_timeout`` seconds; a client
  sending a byte a second cannot hold a connection. A connection that sent nothing is closed
  quietly; one in the middle of a head gets 408.
- **A cap on open connections**: past it a new connection gets 503 and is closed, so slow
  or idle clients cannot use up the process's file descriptors.
- **A bound on the head**: more than ``max_head_bytes`` before the head is complete is 431.
- **JSON for unparsable requests**: 400.

Limits on the parsed headers and on the body are the ASGI app's (``local.app``), which sees
the request; this layer only handles what never becomes one.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from orders_local.app import (
    REQUEST_ID_HEADER,
    gateway_problem,
    new_request_id,
    problem_response,
)
from orders_local.proxy import HttpResponse


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    head_timeout: float = 10.0
    max_head_bytes: int = 64 * 1024
    max_connections: int = 1000


def _raw(response: HttpResponse, request_id: str) -> bytes:
    """``response`` as HTTP/1.1 bytes, closing the connection; for answers given outside
    uvicorn's request cycle (there is no request to answer)."""
    status = HTTPStatus(response.status)
    headers = [(k, v) for k, v in response.headers if k.lower() != "connection"]
    headers += [
        (REQUEST_ID_HEADER, request_id),
        ("Content-Length", str(len(response.body))),
        ("Connection", "close"),
    ]
    head = f"HTTP/1.1 {status.value} {status.phrase}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers)
    return head.encode("latin-1") + b"\r\n" + response.body


class GatewayProtocol(HttpToolsProtocol):
    """See the module docstring; :func:`gateway_protocol` binds the limits."""

    limits: ClassVar[ConnectionLimits] = ConnectionLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_deadline: asyncio.TimerHandle | None = None
        self._awaiting_head = True  # no head of the next request parsed yet
        self._heads_parsed = 0
        self._head_bytes = 0
        self._head_too_large = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # A response leaves in several writes (head, body); without TCP_NODELAY, Nagle holds
        # the second until the client's delayed ACK, 40 ms later. asyncio sets it only on
        # sockets it created itself, and the server's listening socket is ours.
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if len(self.connections) > self.limits.max_connections:
            self._refuse(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "TOO_MANY_CONNECTIONS",
                "the server has too many open connections; retry shortly",
                {"Retry-After": "1"},
            )
            return
        self._arm_head_deadline()

    def data_received(self, data: bytes) -> None:
        in_head, heads = self._awaiting_head, self._heads_parsed
        super().data_received(data)
        inside_one_head = in_head and self._awaiting_head and self._heads_parsed == heads
        if inside_one_head and not self.transport.is_closing():
            # Only a read that began and ended inside one head counts: the read that
            # completes a head may carry its body (even the whole request), and one that
            # ends a body may start the next head. So a head can't grow past one read
            # beyond the bound.
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_head_bytes:
                self._head_too_large = True
                self.send_400_response("head too large")

    # httptools' callbacks, in the order a request's parts arrive

    def on_headers_complete(self) -> None:
        self._awaiting_head = False
        self._heads_parsed += 1
        self._disarm_head_deadline()  # the head is in: the body has the app's deadline
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._awaiting_head = True
        self._head_bytes = 0

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self._awaiting_head:
            self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:
            self._refuse(
                HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                "HEADERS_TOO_LARGE",
                f"the request line and headers are larger than {self.limits.max_head_bytes} bytes",
            )
        else:
            self._refuse(
                HTTPStatus.BAD_REQUEST,
                "MALFORMED_REQUEST",
                "the request is not valid HTTP/1.1",
            )

    def _arm_head_deadline(self) -> None:
        self._disarm_head_deadline()
        self._head_deadline = self.loop.call_later(self.limits.head_timeout, self._head_expired)

    def _disarm_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_expired(self) -> None:
        self._head_deadline = None
        in_flight = self.cycle is not None and not self.cycle.response_complete
        if in_flight or self.transport.is_closing() or not self._awaiting_head:
            return
        if self._head_bytes:
            self._refuse(
                HTTPStatus.REQUEST_TIMEOUT,
                "REQUEST_TIMEOUT",
                f"the request's headers did not arrive within {self.limits.head_timeout:g} seconds",
            )
        else:
            self.transport.close()

    def _refuse(
        self,
        status: HTTPStatus,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        request_id = new_request_id()
        problem = gateway_problem(status, code, message, headers)  # _raw closes it
        self.transport.write(_raw(problem_response(problem, request_id), request_id))
        self.transport.close()


def gateway_protocol(limits: ConnectionLimits) -> type[GatewayProtocol]:
    """The protocol class uvicorn builds per connection, with ``limits`` bound."""
    return type("BoundGatewayProtocol", (GatewayProtocol,), {"limits": limits})


__all__ = ["ConnectionLimits", "GatewayProtocol", "gateway_protocol"]
