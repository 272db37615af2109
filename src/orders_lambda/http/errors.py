"""From exceptions to HTTP: the one error table and the one error shape.

Every error response has the body ``{"error": {"code", "message", "request_id", "fields"?}}``
(``fields`` maps a field path such as ``lines[0].sku`` to what is wrong with it). Core's
errors are mapped by :data:`ERROR_TABLE`; errors of the HTTP layer itself are
:class:`ApiError` subclasses that carry their status. Anything else is a 500 with a generic
message: no stack trace or exception text reaches a client.

Standard library only, so the local server can shape its own 404/405 answers cheaply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, ClassVar, Final

from orders_core import IdempotencyKeyReused as KeyReusedByAnotherOrder
from orders_core import (
    IllegalTransition,
    InvalidCursor,
    InvalidInput,
    OrderAlreadyExists,
    OrderNotFound,
    OrdersError,
    PermissionDenied,
    StoreUnavailable,
    VersionConflict,
)
from orders_manifest.errors import ErrorCode

JSON: Final = "application/json"
INTERNAL_ERROR: Final = ErrorCode.INTERNAL_ERROR.value
RETRY_AFTER_SECONDS: Final = 1


class ApiError(Exception):
    """An error of the HTTP layer (bad headers, body, route...): it knows its own status."""

    status: ClassVar[HTTPStatus]
    code: ClassVar[ErrorCode]

    def __init__(
        self,
        message: str,
        *,
        fields: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})


class BadRequest(ApiError):
    """A header or query parameter that can't be understood."""

    status = HTTPStatus.BAD_REQUEST
    code = ErrorCode.BAD_REQUEST


class MalformedJson(ApiError):
    status = HTTPStatus.BAD_REQUEST
    code = ErrorCode.MALFORMED_JSON


class Unauthenticated(ApiError):
    status = HTTPStatus.UNAUTHORIZED
    code = ErrorCode.UNAUTHENTICATED


class RouteNotFound(ApiError):
    status = HTTPStatus.NOT_FOUND
    code = ErrorCode.ROUTE_NOT_FOUND


class MethodNotAllowed(ApiError):
    status = HTTPStatus.METHOD_NOT_ALLOWED
    code = ErrorCode.METHOD_NOT_ALLOWED


class IdempotencyInProgress(ApiError):
    status = HTTPStatus.CONFLICT
    code = ErrorCode.IDEMPOTENCY_IN_PROGRESS


class PayloadTooLarge(ApiError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    code = ErrorCode.PAYLOAD_TOO_LARGE


class UnsupportedMediaType(ApiError):
    status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE


class ValidationFailed(ApiError):
    """A well-formed JSON body that does not fit the operation's schema."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = ErrorCode.VALIDATION_FAILED


class IdempotencyKeyReused(ApiError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = ErrorCode.IDEMPOTENCY_KEY_REUSED


class PreconditionRequired(ApiError):
    status = HTTPStatus.PRECONDITION_REQUIRED
    code = ErrorCode.PRECONDITION_REQUIRED


@dataclass(frozen=True, slots=True)
class ErrorMapping:
    """How one core error reaches the client; ``message`` replaces the error's own text
    where that could carry infrastructure details."""

    status: HTTPStatus
    message: str | None = None
    retry_after: int | None = None
    # The code the client sees, when not the error's own.
    code: ErrorCode | None = None


# Core error -> HTTP. Looked up along the exception's MRO, so subclasses (CurrencyMismatch
# is an InvalidInput) follow their parent unless listed themselves.
ERROR_TABLE: Final[Mapping[type[OrdersError], ErrorMapping]] = {
    # One 422 code for a body that breaks a rule, whether pydantic (its shape) or core (a
    # rule on its values, e.g. a price's decimals in the order's currency) found it: a
    # client handles both the same way, by reading ``fields``.
    InvalidInput: ErrorMapping(HTTPStatus.UNPROCESSABLE_ENTITY, code=ErrorCode.VALIDATION_FAILED),
    # ... except a key reused for another order: the request is fine, the key is not.
    KeyReusedByAnotherOrder: ErrorMapping(HTTPStatus.UNPROCESSABLE_ENTITY),
    OrderNotFound: ErrorMapping(HTTPStatus.NOT_FOUND),
    OrderAlreadyExists: ErrorMapping(HTTPStatus.CONFLICT),
    VersionConflict: ErrorMapping(HTTPStatus.PRECONDITION_FAILED),
    IllegalTransition: ErrorMapping(HTTPStatus.CONFLICT),
    PermissionDenied: ErrorMapping(HTTPStatus.FORBIDDEN),
    InvalidCursor: ErrorMapping(HTTPStatus.BAD_REQUEST),
    StoreUnavailable: ErrorMapping(
        HTTPStatus.SERVICE_UNAVAILABLE,
        "the order store is unavailable; retry later",
        retry_after=RETRY_AFTER_SECONDS,
    ),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """An error as the client sees it."""

    status: HTTPStatus
    code: str
    message: str
    fields: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def unexpected(self) -> bool:
        return self.status >= HTTPStatus.INTERNAL_SERVER_ERROR and self.code == INTERNAL_ERROR

    def body(self, request_id: str | None) -> dict[str, Any]:
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "request_id": request_id,
        }
        if self.fields:
            error["fields"] = dict(self.fields)
        return {"error": error}

    def proxy_response(self, request_id: str | None) -> dict[str, Any]:
        """A complete API Gateway proxy response (for answers given outside a resolver)."""
        return {
            "statusCode": int(self.status),
            "headers": {"Content-Type": JSON, **self.headers},
            "body": json.dumps(self.body(request_id), separators=(",", ":")),
            "isBase64Encoded": False,
        }


def _mapping_for(exc: OrdersError) -> tuple[type[OrdersError], ErrorMapping] | None:
    for cls in type(exc).__mro__:
        found = ERROR_TABLE.get(cls)
        if found is not None:
            return cls, found
    return None


_CODES: Final = frozenset(ErrorCode)


def problem_for(exc: BaseException) -> Problem:
    """The client's view of ``exc``."""
    if isinstance(exc, ApiError):
        return Problem(exc.status, exc.code, str(exc), exc.fields, exc.headers)
    if isinstance(exc, OrdersError):
        matched = _mapping_for(exc)
        if matched is not None:
            mapped, mapping = matched
            headers = {}
            if mapping.retry_after is not None:
                headers["Retry-After"] = str(mapping.retry_after)
            fields = exc.fields if isinstance(exc, InvalidInput) else {}
            # A client only ever sees an ErrorCode: a subclass with a code of its own that
            # no client is told of (PaymentMismatch, of the payment consumer) answers with
            # the code of the error it is mapped as.
            code = mapping.code or (exc.code if exc.code in _CODES else mapped.code)
            return Problem(mapping.status, code, mapping.message or str(exc), fields, headers)
    return Problem(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        INTERNAL_ERROR,
        "an unexpected error occurred; quote the request id when reporting it",
    )


__all__ = [
    "ERROR_TABLE",
    "ApiError",
    "BadRequest",
    "ErrorCode",
    "ErrorMapping",
    "IdempotencyInProgress",
    "IdempotencyKeyReused",
    "MalformedJson",
    "MethodNotAllowed",
    "PayloadTooLarge",
    "PreconditionRequired",
    "Problem",
    "RouteNotFound",
    "Unauthenticated",
    "UnsupportedMediaType",
    "ValidationFailed",
    "problem_for",
]
