"""The local server's WSGI application: each request through the real Lambda entrypoint.

Per request: reject an oversized body (413), match the route (404, or 405 with Allow), turn
the development identity headers into authorizer claims, build the REST proxy event, invoke
the entrypoint with a local Lambda context, and write its proxy response back.

Requests are served concurrently, one thread each, as concurrent Lambda environments would
share one store: that is what lets the end-to-end tests race duplicate requests. The
entrypoints keep a resolver per thread for this. Powertools' logger keys and metric buffer
are process-wide, so under concurrent requests a log line's correlation id or a metrics
flush can belong to a neighbouring request; that only affects the local server's output.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from werkzeug.wrappers import Request

from orders_lambda.http.errors import (
    ApiError,
    MethodNotAllowed,
    PayloadTooLarge,
    Problem,
    RouteNotFound,
    problem_for,
)
from orders_lambda.local.context import LocalLambdaContext
from orders_lambda.local.identity import claims_from_headers, is_dev_header
from orders_lambda.local.proxy import (
    HttpRequest,
    HttpResponse,
    http_response,
    proxy_event,
)
from orders_lambda.routes import LambdaHandler, load_handler, match

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

RAW_HEADERS_KEY: Final = "orders.raw_headers"
REQUEST_ID_HEADER: Final = "X-Amzn-RequestId"
_DRAIN_LIMIT: Final = 1024 * 1024  # read and drop at most this much of a refused body
_CHUNK: Final = 64 * 1024
_FRAMING: Final = frozenset({"content-length", "transfer-encoding"})
_NO_BODY: Final = frozenset({HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED})

log = logging.getLogger("orders.serve")

FUNCTION_FAILED: Final = Problem(
    HTTPStatus.BAD_GATEWAY,
    "FUNCTION_FAILED",
    "the function failed; see the server's output for the traceback",
)


@dataclass(frozen=True, slots=True)
class LocalApiConfig:
    max_body_bytes: int
    staff_group: str
    tier_claim: str
    timeout_seconds: float = 30.0


def function_name(entrypoint: str) -> str:
    """The function an entrypoint stands for: its module's last part (``create_order``)."""
    return entrypoint.partition(":")[0].rpartition(".")[2]


@dataclass(slots=True)
class LocalApi:
    """A WSGI app serving every route of :data:`orders_lambda.routes.ROUTES`."""

    config: LocalApiConfig
    load: Callable[[str], LambdaHandler] = load_handler

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request_id = str(uuid.uuid4())
        response = self.respond(Request(environ), request_id)
        # Framing is the server's business, as it is API Gateway's: the function's is dropped.
        headers = [(k, v) for k, v in response.headers if k.lower() not in _FRAMING]
        headers.append((REQUEST_ID_HEADER, request_id))
        status = HTTPStatus(response.status)
        if status not in _NO_BODY:
            headers.append(("Content-Length", str(len(response.body))))
        start_response(f"{status.value} {status.phrase}", headers)
        return [response.body]

    def respond(self, request: Request, request_id: str) -> HttpResponse:
        body = _bounded_body(request, self.config.max_body_bytes)
        if body is None:
            refused = PayloadTooLarge(
                f"the request body is larger than {self.config.max_body_bytes} bytes",
                headers={"Connection": "close"},
            )
            return _problem(problem_for(refused), request_id)
        found = match(request.method, request.path)
        if found.route is None:
            return _problem(problem_for(_no_route(request, found.allowed)), request_id)
        headers = _headers(request)
        http_request = HttpRequest(
            method=request.method,
            path=request.path,
            headers=[(k, v) for k, v in headers if not is_dev_header(k)],
            query=list(request.args.items(multi=True)),
            body=body,
            source_ip=request.remote_addr or "127.0.0.1",
            protocol=str(request.environ.get("SERVER_PROTOCOL", "HTTP/1.1")),
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
        return self.invoke(found.route.entrypoint, event, request_id)

    def invoke(self, entrypoint: str, event: dict[str, Any], request_id: str) -> HttpResponse:
        context = LocalLambdaContext(function_name(entrypoint), self.config.timeout_seconds)
        try:
            return http_response(self.load(entrypoint)(event, context))
        except Exception:  # any failure of the function is API Gateway's 502
            # The traceback stays on the server; the client gets the one error shape.
            log.exception("%s failed on request %s", entrypoint, request_id)
            return _problem(FUNCTION_FAILED, request_id)


def _headers(request: Request) -> Sequence[tuple[str, str]]:
    """Every header line as sent (repeated names kept apart when the server saw them)."""
    raw: Sequence[tuple[str, str]] | None = request.environ.get(RAW_HEADERS_KEY)
    return raw if raw is not None else list(request.headers.items())


def _no_route(request: Request, allowed: Sequence[str]) -> ApiError:
    if allowed:
        return MethodNotAllowed(
            f"{request.path} does not accept {request.method}; it accepts {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )
    return RouteNotFound(f"no route matches {request.method} {request.path}")


def _problem(problem: Problem, request_id: str) -> HttpResponse:
    return http_response(problem.proxy_response(request_id))


def _bounded_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it is larger than ``limit`` bytes.

    A declared length over the limit is refused unread (and the connection closed); a body of
    unknown length (chunked) is read up to one byte past the limit. What the client already
    sent is drained, up to a bound, so it reads our 413 rather than a reset connection.
    """
    stream = request.stream
    declared = request.content_length
    if declared is not None and declared > limit:
        _drain(stream, min(declared, _DRAIN_LIMIT))
        return None
    body = stream.read(limit + 1)
    if len(body) > limit:
        _drain(stream, _DRAIN_LIMIT)
        return None
    return body


def _drain(stream: Any, budget: int) -> None:
    while budget > 0:
        chunk = stream.read(min(_CHUNK, budget))
        if not chunk:
            return
        budget -= len(chunk)


__all__ = ["RAW_HEADERS_KEY", "LocalApi", "LocalApiConfig", "function_name"]
