"""HTTP requests to API Gateway REST proxy events, and proxy responses back to HTTP.

Plain data in, plain data out, so the translation is tested without a socket. The event has
the fields API Gateway's proxy integration sends a Lambda function: single and multi-value
headers and query parameters (the single-value maps keep the last value, as API Gateway
does), the matched resource and path parameters, the body (base64 when it is not text) and a
request context with the request id, stage, source address and the authorizer's claims.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from orders_lambda.routes import Route
from orders_local.context import LOCAL_ACCOUNT

STAGE: Final = "local"
API_ID: Final = "orders-local"

# Media types sent to a function as text; anything else (or text that is not UTF-8) is sent
# base64-encoded with isBase64Encoded, as API Gateway does for its binary media types.
_TEXT_TYPES: Final = ("text/", "application/json", "application/x-www-form-urlencoded")
_TEXT_SUFFIXES: Final = ("+json", "+xml", "/xml", "/javascript")


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP request as received: repeated header and query names keep every value."""

    method: str
    path: str
    headers: Sequence[tuple[str, str]]
    query: Sequence[tuple[str, str]]
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        found = [value for key, value in self.headers if key.lower() == wanted]
        return found[-1] if found else None


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _grouped(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def is_text(content_type: str | None) -> bool:
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith(_TEXT_TYPES) or media.endswith(_TEXT_SUFFIXES)


def encode_body(body: bytes, content_type: str | None) -> tuple[str | None, bool]:
    """The event's ``body`` and ``isBase64Encoded`` for ``body``."""
    if not body:
        return None, False
    if is_text(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def proxy_event(
    request: HttpRequest,
    route: Route,
    path_parameters: Mapping[str, str],
    *,
    request_id: str,
    claims: Mapping[str, str] | None,
) -> dict[str, Any]:
    """The REST proxy event API Gateway would send ``route``'s function for ``request``."""
    headers = _grouped(request.headers)
    query = _grouped(request.query)
    body, is_base64 = encode_body(request.body, request.header("Content-Type"))
    now = datetime.now(UTC)
    context: dict[str, Any] = {
        "accountId": LOCAL_ACCOUNT,
        "apiId": API_ID,
        "domainName": request.header("Host") or "localhost",
        "extendedRequestId": request_id,
        "httpMethod": request.method,
        "identity": {
            "sourceIp": request.source_ip,
            "userAgent": request.header("User-Agent"),
        },
        # As behind a custom domain: the stage is not part of the URL the client used, so
        # links the function builds from this path (Location) work against the local server.
        "path": request.path,
        "protocol": request.protocol,
        "requestId": request_id,
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(time.time() * 1000),
        "resourceId": route.name,
        "resourcePath": route.path,
        "stage": STAGE,
    }
    if claims is not None:
        context["authorizer"] = {"claims": dict(claims)}
    return {
        "resource": route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in headers.items()} or None,
        "multiValueHeaders": headers or None,
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": dict(path_parameters) or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


class BadProxyResponse(ValueError):
    """A function returned something API Gateway would reject (it answers 502)."""


def _header_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def http_response(result: object) -> HttpResponse:
    """The HTTP response API Gateway makes of a function's proxy ``result``.

    ``headers`` and ``multiValueHeaders`` are merged; where a name is in both, the
    multi-value list wins. A body flagged ``isBase64Encoded`` is decoded.
    """
    if not isinstance(result, Mapping) or not isinstance(result.get("statusCode"), int):
        raise BadProxyResponse("the function's result has no integer statusCode")
    multi: Mapping[str, Sequence[object]] = result.get("multiValueHeaders") or {}
    single: Mapping[str, object] = result.get("headers") or {}
    taken = {name.lower() for name in multi}
    headers = [(name, _header_value(v)) for name, values in multi.items() for v in values]
    headers += [(n, _header_value(v)) for n, v in single.items() if n.lower() not in taken]
    raw = result.get("body") or ""
    if not isinstance(raw, str):
        raise BadProxyResponse("the function's body is not a string")
    if result.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw, validate=True)
        except binascii.Error as exc:
            raise BadProxyResponse("the function's base64 body does not decode") from exc
    else:
        body = raw.encode("utf-8")
    return HttpResponse(result["statusCode"], headers, body)


__all__ = [
    "STAGE",
    "BadProxyResponse",
    "HttpRequest",
    "HttpResponse",
    "encode_body",
    "http_response",
    "is_text",
    "proxy_event",
]
