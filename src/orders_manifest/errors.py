"""Every error code a client can receive, with the HTTP status that carries it.

The functions raise them (``orders_lambda.http.errors``), the OpenAPI document lists them, and
the Pulumi program writes API Gateway's own answers with them. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final


class ErrorCode(StrEnum):
    """Every ``error.code`` a client can receive, from a function or from the gateway in
    front of it (API Gateway deployed, ``orders serve`` locally). The OpenAPI document
    publishes this list as an enum; tests check that every code raised, mapped or answered by
    a gateway is in it."""

    # The body or a rule on it (422)
    VALIDATION_FAILED = "VALIDATION_FAILED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    # Headers, query parameters, framing (400)
    BAD_REQUEST = "BAD_REQUEST"
    MALFORMED_JSON = "MALFORMED_JSON"
    MALFORMED_REQUEST = "MALFORMED_REQUEST"
    INVALID_CURSOR = "INVALID_CURSOR"
    CLIENT_CLOSED = "CLIENT_CLOSED"
    # Who is asking (401, 403)
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    FORBIDDEN = "FORBIDDEN"
    # What is asked for (404, 405, 409, 412, 428)
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    ROUTE_NOT_FOUND = "ROUTE_NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION"
    ORDER_ALREADY_EXISTS = "ORDER_ALREADY_EXISTS"
    IDEMPOTENCY_IN_PROGRESS = "IDEMPOTENCY_IN_PROGRESS"
    IDEMPOTENCY_REPLAY_UNAVAILABLE = "IDEMPOTENCY_REPLAY_UNAVAILABLE"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    PRECONDITION_REQUIRED = "PRECONDITION_REQUIRED"
    # Limits of the gateway (408, 413, 415, 429, 431)
    REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    THROTTLED = "THROTTLED"
    HEADERS_TOO_LARGE = "HEADERS_TOO_LARGE"
    # Failures (500, 502, 503, 504)
    INTERNAL_ERROR = "INTERNAL_ERROR"
    FUNCTION_FAILED = "FUNCTION_FAILED"
    ENVIRONMENT_LOST = "ENVIRONMENT_LOST"
    STORE_UNAVAILABLE = "STORE_UNAVAILABLE"
    SHUTTING_DOWN = "SHUTTING_DOWN"
    TOO_MANY_CONNECTIONS = "TOO_MANY_CONNECTIONS"
    FUNCTION_TIMED_OUT = "FUNCTION_TIMED_OUT"


# Which status carries which code: each code has one. The OpenAPI document groups an
# operation's codes by it; tests check the error table and the gateways' answers against it.
STATUS: Final[Mapping[ErrorCode, int]] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.MALFORMED_JSON: 400,
    ErrorCode.MALFORMED_REQUEST: 400,
    ErrorCode.INVALID_CURSOR: 400,
    ErrorCode.CLIENT_CLOSED: 400,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.ORDER_NOT_FOUND: 404,
    ErrorCode.ROUTE_NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.ILLEGAL_TRANSITION: 409,
    ErrorCode.ORDER_ALREADY_EXISTS: 409,
    ErrorCode.IDEMPOTENCY_IN_PROGRESS: 409,
    ErrorCode.IDEMPOTENCY_REPLAY_UNAVAILABLE: 409,
    ErrorCode.VERSION_CONFLICT: 412,
    ErrorCode.PRECONDITION_REQUIRED: 428,
    ErrorCode.VALIDATION_FAILED: 422,
    ErrorCode.IDEMPOTENCY_KEY_REUSED: 422,
    ErrorCode.REQUEST_TIMEOUT: 408,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.THROTTLED: 429,
    ErrorCode.HEADERS_TOO_LARGE: 431,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.FUNCTION_FAILED: 502,
    ErrorCode.ENVIRONMENT_LOST: 502,
    ErrorCode.STORE_UNAVAILABLE: 503,
    ErrorCode.SHUTTING_DOWN: 503,
    ErrorCode.TOO_MANY_CONNECTIONS: 503,
    ErrorCode.FUNCTION_TIMED_OUT: 504,
}

__all__ = ["STATUS", "ErrorCode"]
