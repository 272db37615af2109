"""The local API Gateway: an ASGI app that turns each request into a REST proxy event.

Per request, in the front-end process: enforce the gateway's limits (header count and size,
body size, a deadline for the body) with JSON answers, match the route (404, or 405 with
Allow), turn the development identity headers into authorizer claims, build the proxy event
and hand it to an :class:`Invoker`, which runs it in an execution environment
(:mod:`orders_local.environments`). The function's proxy response is written back as
API Gateway would: compressed when large enough and asked for, its framing headers dropped,
``Content-Length`` and the request id added.

Nothing here imports a handler: the front end stays small, and every function runs where
Lambda would run it, in an environment of its own.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final, Protocol
from urllib.parse import parse_qsl

from orders_lambda.http.errors import (
    ApiError,
    MethodNotAllowed,
    PayloadTooLarge,
    Problem,
    RouteNotFound,
    problem_for,
)
from orders_lambda.routes import OPENAPI_DOCUMENT, match
from orders_local.compression import compressed
from orders_local.docs import development_body
from orders_local.identity import claims_from_headers, is_dev_header
from orders_local.proxy import HttpRequest, HttpResponse, http_response, proxy_event

REQUEST_ID_HEADER: Final = "X-Amzn-RequestId"
_FRAMING: Final = frozenset({"content-length", "transfer-encoding", "connection"})
_NO_BODY: Final = frozenset({HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED})
_CLOSE: Final = {"Connection": "close"}
_DRAIN_LIMIT: Final = 1024 * 1024  # read and drop at most this much of a refused body
_HOST: Final = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")

log = logging.getLogger("orders.serve")

Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]


def gateway_problem(
    status: HTTPStatus, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Problem:
    """An answer the gateway gives itself, in the one error shape."""
    return Problem(status, code, message, headers=dict(headers or {}))


FUNCTION_FAILED: Final = gateway_problem(
    HTTPStatus.BAD_GATEWAY,
    "FUNCTION_FAILED",
    "the function failed; see the server's output for the traceback",
)


class GatewayRefusal(Exception):
    """The gateway answers this request itself, with ``problem``."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class Invoker(Protocol):
    """Runs one function on one event; raises :class:`GatewayRefusal` for gateway answers
    (throttled, function failed or timed out)."""

    async def __call__(self, entrypoint: str, event: dict[str, Any]) -> object: ...


@dataclass(frozen=True, slots=True)
class GatewayLimits:
    """What the gateway accepts; API Gateway's own quotas are the model (10 KiB of headers)."""

    max_body_bytes: int = 64 * 1024
    max_header_count: int = 100
    max_header_bytes: int = 10 * 1024
    body_timeout_seconds: float = 10.0
    # Bodies of at least this many bytes are compressed for a client that asks, as the REST
    # API's minimumCompressionSize does (orders_local.compression); None: never.
    minimum_compression_size: int | None = None


@dataclass(frozen=True, slots=True)
class LocalApiConfig:
    staff_group: str
    tier_claim: str
    limits: GatewayLimits = GatewayLimits()


def function_name(entrypoint: str) -> str:
    """The function an entrypoint stands for: its module's last part (``create_order``)."""
    return entrypoint.partition(":")[0].rpartition(".")[2]


def new_request_id() -> str:
    return str(uuid.uuid4())


@dataclass(slots=True)
class LocalApi:
    """An ASGI app serving every route of :data:`orders_lambda.routes.ROUTES`."""

    config: LocalApiConfig
    invoke: Invoker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan and websockets: nothing to do
            return
        request_id = new_request_id()
        try:
            response = await self.respond(scope, receive, request_id)
        except GatewayRefusal as refusal:
            response = problem_response(refusal.problem, request_id)
        except Exception:  # a bug of the gateway itself: still the one error shape
            log.exception("the local gateway failed on request %s", request_id)
            response = problem_response(problem_for(RuntimeError()), request_id)
        accept = next((v for k, v in scope["headers"] if k.lower() == b"accept-encoding"), None)
        body, coding = compressed(
            response.body,
            response.headers,
            accept.decode("latin-1") if accept is not None else None,
            self.config.limits.minimum_compression_size,
        )
        if coding is not None:
            headers = [*response.headers, ("Content-Encoding", coding)]
            response = HttpResponse(response.status, headers, body)
        await _write(send, response, request_id)

    async def respond(self, scope: Scope, receive: Receive, request_id: str) -> HttpResponse:
        limits = self.config.limits
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        _check_headers(headers, limits)
        body = await _read_body(headers, receive, limits)
        method: str = scope["method"]
        path: str = scope["path"]
        found = match(method, path)
        if found.route is None:
            raise GatewayRefusal(problem_for(_no_route(method, path, found.allowed)))
        client = scope.get("client")
        http_request = HttpRequest(
            method=method,
            path=path,
            headers=[(k, v) for k, v in headers if not is_dev_header(k)],
            query=parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True),
            body=body,
            source_ip=client[0] if client else "127.0.0.1",
            protocol=f"HTTP/{scope.get('http_version', '1.1')}",
        )
        claims = claims_from_headers(
            headers, staff_group=self.config.staff_group, tier_claim=self.config.tier_claim
        )
        event = proxy_event(
            http_request,
            found.route,
            found.path_parameters,
            request_id=request_id,
            claims=claims,
        )
        result = await self.invoke(found.route.entrypoint, event)
        try:
            response = http_response(result)
        except ValueError:  # API Gateway answers 502 to a malformed proxy response
            log.exception("%s returned a malformed response", found.route.entrypoint)
            raise GatewayRefusal(FUNCTION_FAILED) from None
        if found.route is OPENAPI_DOCUMENT and response.status == HTTPStatus.OK:
            # This gateway names callers by the development identity: its document says so.
            host = http_request.header("Host") or ""
            host = host if _HOST.fullmatch(host) else "127.0.0.1"
            body = development_body(response.body, f"http://{host}")
            response = HttpResponse(response.status, response.headers, body)
        return response


def problem_response(problem: Problem, request_id: str) -> HttpResponse:
    return http_response(problem.proxy_response(request_id))


def _check_headers(headers: Sequence[tuple[str, str]], limits: GatewayLimits) -> None:
    size = sum(len(name) + len(value) + 4 for name, value in headers)  # "name: value\r\n"
    if len(headers) > limits.max_header_count or size > limits.max_header_bytes:
        raise GatewayRefusal(
            gateway_problem(
                HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                "HEADERS_TOO_LARGE",
                f"the request has {len(headers)} headers of {size} bytes; at most "
                f"{limits.max_header_count} headers of {limits.max_header_bytes} bytes in all "
                "are accepted",
                _CLOSE,
            )
        )


def _too_large(limit: int) -> GatewayRefusal:
    return GatewayRefusal(
        problem_for(
            PayloadTooLarge(f"the request body is larger than {limit} bytes", headers=_CLOSE)
        )
    )


async def _read_body(
    headers: Sequence[tuple[str, str]], receive: Receive, limits: GatewayLimits
) -> bytes:
    """The whole body, within the size limit and the body deadline.

    A body over the limit is refused, and the connection closed after the answer. What the
    client sends of it is read and dropped, up to a bound, so that it reads our 413 rather
    than a reset connection; a declared length past that bound is refused unread.
    """
    declared = next((v for k, v in headers if k.lower() == "content-length"), None)
    if declared is not None and declared.strip().isdigit() and int(declared) > _DRAIN_LIMIT:
        raise _too_large(limits.max_body_bytes)
    body = bytearray()
    received = 0
    try:
        async with asyncio.timeout(limits.body_timeout_seconds):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise GatewayRefusal(
                        gateway_problem(
                            HTTPStatus.BAD_REQUEST, "CLIENT_CLOSED", "the client went away"
                        )
                    )
                chunk = message.get("body", b"")
                received += len(chunk)
                if received <= limits.max_body_bytes:
                    body += chunk
                elif received > _DRAIN_LIMIT:
                    raise _too_large(limits.max_body_bytes)
                if not message.get("more_body", False):
                    break
    except TimeoutError:
        raise GatewayRefusal(
            gateway_problem(
                HTTPStatus.REQUEST_TIMEOUT,
                "REQUEST_TIMEOUT",
                f"the request body did not arrive within {limits.body_timeout_seconds:g} "
                "seconds (is it shorter than its Content-Length?)",
                _CLOSE,
            )
        ) from None
    if received > limits.max_body_bytes:
        raise _too_large(limits.max_body_bytes)
    return bytes(body)


def _no_route(method: str, path: str, allowed: Sequence[str]) -> ApiError:
    if allowed:
        return MethodNotAllowed(
            f"{path} does not accept {method}; it accepts {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )
    return RouteNotFound(f"no route matches {method} {path}")


async def _write(send: Send, response: HttpResponse, request_id: str) -> None:
    # Framing is the server's business, as it is API Gateway's: the function's is dropped,
    # except a request to close the connection, which the server honours.
    closing = any(k.lower() == "connection" and v.lower() == "close" for k, v in response.headers)
    headers = [
        (k.encode("latin-1"), v.encode("latin-1"))
        for k, v in response.headers
        if k.lower() not in _FRAMING
    ]
    headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
    if closing:
        headers.append((b"connection", b"close"))
    status = HTTPStatus(response.status)
    body = b"" if status in _NO_BODY else response.body
    if status not in _NO_BODY:
        headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": int(status), "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


__all__ = [
    "FUNCTION_FAILED",
    "REQUEST_ID_HEADER",
    "GatewayLimits",
    "GatewayRefusal",
    "Invoker",
    "LocalApi",
    "LocalApiConfig",
    "function_name",
    "gateway_problem",
    "new_request_id",
    "problem_response",
]
