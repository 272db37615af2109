"""The OpenAPI 3.1 document, generated from the route table and the pydantic models.

Nothing here is imported by the order entrypoints; only the docs entrypoint and the spec
check use it. ``python -m orders_lambda.http.openapi [--check] [PATH]`` writes the document
to PATH (default docs/openapi.json) or, with ``--check``, fails when the file differs.

The document is as strict as the server: every rule a request must meet that JSON Schema can
state is in a schema (patterns, bounds, enums, the If-Match and Idempotency-Key formats), and
every answer the functions or the gateway in front of them can give is listed on the
operations it applies to, each error status with an example per code it carries. The error
codes come from :class:`~orders_lambda.http.errors.ErrorCode`; which status carries which
code is :data:`ERROR_CODES`, tested against the error table and the gateways' answers.

The committed file names the deployed API as a server template; the docs function serves
the same document with ``servers`` set to the URL it was called on (:func:`served`).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from orders_core import (
    DEFAULT_PAGE_SIZE,
    MAX_CURSOR_LENGTH,
    MAX_KEY_LENGTH,
    MAX_PAGE_SIZE,
    OrderStatus,
)
from orders_lambda.http.errors import ErrorCode
from orders_lambda.http.models import (
    CreateOrderRequest,
    ErrorBody,
    OrderOut,
    OrderPage,
    UpdateOrderRequest,
)
from orders_manifest import operations
from orders_manifest.errors import STATUS
from orders_manifest.operations import IfMatch

# Request and response bodies, by the names the manifest's operations give them.
_REQUEST_MODELS: Final = (CreateOrderRequest, UpdateOrderRequest)
_RESPONSE_MODELS: Final = (OrderOut, OrderPage)
_MODELS: Final[Mapping[str, type[BaseModel]]] = {
    model.__name__: model for model in (*_REQUEST_MODELS, *_RESPONSE_MODELS)
}
TITLE: Final = "Orders service"
VERSION: Final = "1.0.0"
DEFAULT_PATH: Final = Path("docs/openapi.json")
_REF: Final = "#/components/schemas/{model}"
_RESPONSE_REF: Final = "#/components/responses/{name}"

# The formats the server checks, as JSON Schema patterns (ECMA-262 dialect).
ORDER_ID_SCHEMA: Final = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}
IF_MATCH_SCHEMA: Final = {"type": "string", "pattern": '^(W/)?"[0-9]{1,18}"$'}
ETAG_SCHEMA: Final = {"type": "string", "pattern": '^"[0-9]{1,18}"$'}
IDEMPOTENCY_KEY_SCHEMA: Final = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_KEY_LENGTH,
    "pattern": f"^[!-~]{{1,{MAX_KEY_LENGTH}}}$",
}
CURSOR_SCHEMA: Final = {
    "type": "string",
    "maxLength": MAX_CURSOR_LENGTH,
    "pattern": r"^([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)?$",
}
CUSTOMER_ID_SCHEMA: Final = {"type": "string", "minLength": 1, "maxLength": 128}
RETRY_AFTER_SCHEMA: Final = {"type": "integer", "minimum": 0}


@dataclass(frozen=True, slots=True)
class CodeDoc:
    """One error code as the document shows it: its status and an example message."""

    status: HTTPStatus
    example: str


# The message a client may see with each code. Every ErrorCode is here once.
_EXAMPLES: Final[Mapping[ErrorCode, str]] = {
    ErrorCode.BAD_REQUEST: 'If-Match must be one ETag of this API, such as "3"',
    ErrorCode.MALFORMED_JSON: "the body is not valid JSON",
    ErrorCode.MALFORMED_REQUEST: "the request is not valid HTTP/1.1",
    ErrorCode.INVALID_CURSOR: "the cursor is malformed",
    ErrorCode.CLIENT_CLOSED: "the client went away",
    ErrorCode.UNAUTHENTICATED: "the request carries no authenticated caller",
    ErrorCode.PERMISSION_DENIED: "orders are placed by customers",
    ErrorCode.FORBIDDEN: "Forbidden",
    ErrorCode.ORDER_NOT_FOUND: "order 0b8f6a9e-2d54-4b51-9d36-5b3e6f2d9c11 not found",
    ErrorCode.ROUTE_NOT_FOUND: "no route matches GET /order",
    ErrorCode.METHOD_NOT_ALLOWED: "/orders does not accept PUT; it accepts POST, GET",
    ErrorCode.ILLEGAL_TRANSITION: "cannot change lines of a SHIPPED order",
    ErrorCode.ORDER_ALREADY_EXISTS: "the order already exists",
    ErrorCode.IDEMPOTENCY_IN_PROGRESS: (
        "a request with this Idempotency-Key is still being processed; retry shortly"
    ),
    ErrorCode.IDEMPOTENCY_REPLAY_UNAVAILABLE: (
        "the order of this Idempotency-Key has changed since and its first state is no longer kept"
    ),
    ErrorCode.VERSION_CONFLICT: (
        "order 0b8f6a9e-2d54-4b51-9d36-5b3e6f2d9c11 is at version 3, not 2"
    ),
    ErrorCode.PRECONDITION_REQUIRED: (
        "this operation needs an If-Match header with the order's ETag"
    ),
    ErrorCode.VALIDATION_FAILED: "the body is invalid",
    ErrorCode.IDEMPOTENCY_KEY_REUSED: (
        "this Idempotency-Key was already used with a different request body"
    ),
    ErrorCode.REQUEST_TIMEOUT: "the request body did not arrive within 10 seconds",
    ErrorCode.PAYLOAD_TOO_LARGE: "the request body is larger than 65536 bytes",
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: "send the body as application/json",
    ErrorCode.THROTTLED: (
        "every execution environment is busy and the queue is full; retry shortly"
    ),
    ErrorCode.HEADERS_TOO_LARGE: (
        "the request has 120 headers of 4200 bytes; at most 100 headers of 10240 bytes in "
        "all are accepted"
    ),
    ErrorCode.INTERNAL_ERROR: (
        "an unexpected error occurred; quote the request id when reporting it"
    ),
    ErrorCode.FUNCTION_FAILED: "the function failed; see the server's output for the traceback",
    ErrorCode.ENVIRONMENT_LOST: (
        "the execution environment running this request stopped; whether the request took "
        "effect is unknown: retry with the same Idempotency-Key"
    ),
    ErrorCode.STORE_UNAVAILABLE: "the order store is unavailable; retry later",
    ErrorCode.SHUTTING_DOWN: "the server is shutting down",
    ErrorCode.TOO_MANY_CONNECTIONS: "the server has too many open connections; retry shortly",
    ErrorCode.FUNCTION_TIMED_OUT: ("the function did not answer within 30 seconds and was stopped"),
}
# Which status carries which code (the manifest's), with its example; tests/lambda/
# test_openapi.py checks the functions' and gateways' pairs against it.
ERROR_CODES: Final[Mapping[ErrorCode, CodeDoc]] = {
    code: CodeDoc(HTTPStatus(STATUS[code]), example) for code, example in _EXAMPLES.items()
}

# What each status means, whichever code it carries.
_STATUS_TEXT: Final[Mapping[int, str]] = {
    400: "The request can't be read: malformed HTTP or JSON, or a header, query parameter "
    "or cursor outside its schema; `fields` names the parameter",
    401: "No authenticated caller",
    403: "Refused: PERMISSION_DENIED when the caller may not do this, FORBIDDEN when the "
    "gateway's firewall (WAF) or resource policy refused the request",
    404: "No such order (another customer's order is not found either); ROUTE_NOT_FOUND "
    "when the path names no route (an id with a '/', say)",
    405: "The path exists but not with this method; Allow lists the methods it has",
    408: "The request's head or body did not arrive in time; the connection is closed",
    409: "The order's status does not allow this",
    412: "If-Match names a version that is no longer current",
    413: "The body is larger than the gateway accepts; the connection is closed",
    415: "The body is not application/json",
    422: "The body breaks its schema or a rule on its values; `fields` names each problem",
    428: "If-Match is required",
    429: "Throttled: too many requests at once; retry after Retry-After seconds",
    431: "Too many headers, or headers too large",
    500: "Unexpected failure; quote the request id",
    502: "The function failed or its execution environment was lost; for a keyed create, "
    "retry with the same Idempotency-Key",
    503: "The store or the server is unavailable; retry after Retry-After seconds",
    504: "The function did not answer in time",
}

# Answers every operation can get, from the gateway or any function.
_COMMON_CODES: Final = (
    ErrorCode.MALFORMED_REQUEST,
    ErrorCode.UNAUTHENTICATED,
    ErrorCode.FORBIDDEN,
    ErrorCode.REQUEST_TIMEOUT,
    ErrorCode.PAYLOAD_TOO_LARGE,
    ErrorCode.THROTTLED,
    ErrorCode.HEADERS_TOO_LARGE,
    ErrorCode.INTERNAL_ERROR,
    ErrorCode.FUNCTION_FAILED,
    ErrorCode.ENVIRONMENT_LOST,
    ErrorCode.STORE_UNAVAILABLE,
    ErrorCode.SHUTTING_DOWN,
    ErrorCode.TOO_MANY_CONNECTIONS,
    ErrorCode.FUNCTION_TIMED_OUT,
)
# Statuses whose answer says when to come back.
_RETRY_AFTER: Final = frozenset({429, 503})
_RETRY_AFTER_CODES: Final = frozenset({ErrorCode.IDEMPOTENCY_IN_PROGRESS})

_ORDER_ID: Final = "0b8f6a9e-2d54-4b51-9d36-5b3e6f2d9c11"
_REQUEST_ID: Final = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


def _example_order(**changes: Any) -> dict[str, Any]:
    order = {
        "id": _ORDER_ID,
        "customer_id": "alice",
        "status": "PENDING",
        "version": 1,
        "currency": "EUR",
        "lines": [{"sku": "BOOK-42", "quantity": 2, "unit_price": "12.50", "total": "25.00"}],
        "discounts": [],
        "subtotal": "25.00",
        "discount": "0.00",
        "total": "25.00",
        "created_at": "2026-03-01T09:30:00.000000+00:00",
        "updated_at": "2026-03-01T09:30:00.000000+00:00",
        "payment_due": "2026-03-01T10:00:00.000000+00:00",
    }
    example = {**order, **changes}
    if example["status"] != "PENDING":
        del example["payment_due"]  # sent only while PENDING
    return example


_CREATE_EXAMPLES: Final = {
    "one-line": {
        "summary": "One line in euros",
        "value": {
            "currency": "EUR",
            "lines": [{"sku": "BOOK-42", "quantity": 2, "unit_price": "12.50"}],
        },
    },
    "yen": {
        "summary": "Yen have no decimals",
        "value": {
            "currency": "JPY",
            "lines": [
                {"sku": "TEA-1", "quantity": 1, "unit_price": "1200"},
                {"sku": "CUP-7", "quantity": 4, "unit_price": "800"},
            ],
        },
    },
}
_UPDATE_EXAMPLE: Final = {"lines": [{"sku": "BOOK-42", "quantity": 3, "unit_price": "12.50"}]}
_UPDATED_ORDER: Final = _example_order(
    version=2,
    lines=[{"sku": "BOOK-42", "quantity": 3, "unit_price": "12.50", "total": "37.50"}],
    subtotal="37.50",
    total="37.50",
    updated_at="2026-03-01T09:35:12.000000+00:00",
)


def _header(description: str, schema: Mapping[str, Any], *, required: bool) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": dict(schema)}


_ETAG: Final = _header(
    'The order\'s version in quotes, e.g. "3": send it back as If-Match',
    ETAG_SCHEMA,
    required=True,
)


def _link(operation: str, *, with_version: bool) -> dict[str, Any]:
    parameters = {"path.order_id": "$response.body#/id"}
    if with_version:
        parameters["header.If-Match"] = "$response.header.ETag"
    return {"operationId": operation, "parameters": parameters}


# From an order to what can be done with it next, by id and at the version just read.
_ORDER_LINKS: Final = {
    "GetOrder": {**_link("get_order", with_version=False), "description": "Read it again"},
    "UpdateOrder": {
        **_link("update_order", with_version=True),
        "description": "Replace its lines, at the version just read",
    },
    "CancelOrder": {
        **_link("cancel_order", with_version=True),
        "description": "Cancel it, at the version just read",
    },
    "DeleteOrder": {
        **_link("delete_order", with_version=True),
        "description": "Delete it, at the version just read",
    },
}


@dataclass(frozen=True, slots=True)
class _Docs:
    """What the document says of an operation beyond its manifest spec: prose, examples,
    links, the headers of its answer and the parameters its shape does not imply. Every
    field is optional: an operation with no entry here is documented from its spec alone."""

    description: str | None = None  # of the success answer; default: the summary
    request_examples: Mapping[str, Any] = field(default_factory=dict)
    response_example: Any = None
    # default: the ETag of the order an OrderOut answer holds
    response_headers: Mapping[str, Mapping[str, Any]] | None = None
    links: Mapping[str, Any] = field(default_factory=dict)
    parameters: Sequence[Mapping[str, Any]] = ()  # beyond the path's and If-Match
    notes: str = ""


def _parameter(
    name: str,
    where: str,
    description: str,
    schema: Mapping[str, Any],
    *,
    required: bool = False,
    example: Any = None,
) -> dict[str, Any]:
    parameter: dict[str, Any] = {
        "name": name,
        "in": where,
        "required": where == "path" or required,
        "description": description,
        "schema": dict(schema),
    }
    if example is not None:
        parameter["example"] = example
    return parameter


_ORDER_ID_PARAMETER: Final = _parameter(
    "order_id",
    "path",
    "The order's id (1-64 letters, digits, '_' or '-'; any other path is a 404)",
    ORDER_ID_SCHEMA,
    example=_ORDER_ID,
)


def _if_match(*, required: bool) -> dict[str, Any]:
    purpose = (
        "required: without it the answer is 428"
        if required
        else "optional: when given, the change applies only to that version"
    )
    return _parameter(
        "If-Match",
        "header",
        f'One ETag read before, e.g. "3" ({purpose}; a stale one is 412). `*` and lists of '
        "ETags are refused (400): a change here always names the version it was decided on",
        IF_MATCH_SCHEMA,
        required=required,
        example='"1"',
    )


_DOCS: Final[Mapping[str, _Docs]] = {
    "create_order": _Docs(
        description="Placed. Location names the order; a replayed answer has "
        "Idempotent-Replayed: true.",
        request_examples=_CREATE_EXAMPLES,
        response_example=_example_order(),
        response_headers={
            "Location": _header(
                "The new order's URL",
                {"type": "string", "format": "uri-reference"},
                required=True,
            ),
            "ETag": _ETAG,
            "Idempotent-Replayed": _header(
                "Present, as true, when this answer replays an earlier call with the same "
                "Idempotency-Key",
                {"type": "string", "enum": ["true"]},
                required=False,
            ),
        },
        links=_ORDER_LINKS,
        parameters=(
            _parameter(
                "Idempotency-Key",
                "header",
                f"Makes retries safe: one order per key and caller, for good. 1-{MAX_KEY_LENGTH}"
                " visible ASCII characters (no spaces). A retry answers the first order as "
                "placed (Idempotent-Replayed: true); the same key with another currency or "
                "other lines is 422 IDEMPOTENCY_KEY_REUSED; while the first call runs, 409 "
                "IDEMPOTENCY_IN_PROGRESS with Retry-After",
                IDEMPOTENCY_KEY_SCHEMA,
                example="3f1c2b9e-order-2026-03-01",
            ),
        ),
        notes="Only customers place orders (staff get 403). A price with more decimals than "
        "the currency has is a 422 naming the line.",
    ),
    "list_orders": _Docs(
        description="A page of orders, newest first",
        response_example={"items": [_example_order()], "next_cursor": None},
        parameters=(
            _parameter(
                "limit",
                "query",
                f"Page size, 1 to {MAX_PAGE_SIZE} (a larger one is a 400, not capped)",
                {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PAGE_SIZE,
                    "default": DEFAULT_PAGE_SIZE,
                },
                example=DEFAULT_PAGE_SIZE,
            ),
            _parameter(
                "cursor",
                "query",
                "The previous page's next_cursor, as it was (empty: the first page). It is "
                "signed and bound to the caller and the query: any other value is 400 "
                "INVALID_CURSOR",
                CURSOR_SCHEMA,
            ),
            _parameter(
                "status",
                "query",
                "Only orders in this status, spelled as the API writes it",
                {"$ref": _REF.format(model="OrderStatus")},
                example=OrderStatus.PENDING.value,
            ),
            _parameter(
                "customer_id",
                "query",
                "Whose orders: required for staff (400 without it); a customer may leave it "
                "out or name itself (naming another customer lists nothing: an empty page, as "
                "another customer's order by id is a 404)",
                CUSTOMER_ID_SCHEMA,
                example="alice",
            ),
        ),
    ),
    "get_order": _Docs(
        description="The order",
        response_example=_example_order(),
        links={k: v for k, v in _ORDER_LINKS.items() if k != "GetOrder"},
    ),
    "update_order": _Docs(
        description="The updated order",
        request_examples={
            "three-books": {"summary": "Three instead of two", "value": _UPDATE_EXAMPLE}
        },
        response_example=_UPDATED_ORDER,
        links={k: v for k, v in _ORDER_LINKS.items() if k != "UpdateOrder"},
        notes="Only a PENDING order's lines change (409 otherwise). Prices have the "
        "decimals of the order's currency (a 422 naming the line otherwise).",
    ),
    "cancel_order": _Docs(
        description="The cancelled order",
        response_example=_example_order(
            status="CANCELLED", version=2, updated_at="2026-03-01T09:40:00.000000+00:00"
        ),
        links={"GetOrder": _ORDER_LINKS["GetOrder"], "DeleteOrder": _ORDER_LINKS["DeleteOrder"]},
        notes="A PENDING or PAID order can be cancelled; a shipped, delivered or already "
        "cancelled one is 409.",
    ),
    "delete_order": _Docs(
        description="Deleted",
        notes="A PENDING or CANCELLED order can be deleted (409 otherwise); its id never "
        "names an order again.",
    ),
}


def _schema_ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=model.__name__)}


def error_example(code: ErrorCode, fields: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The body of an error with ``code``, as the API sends it."""
    error: dict[str, Any] = {
        "code": code.value,
        "message": ERROR_CODES[code].example,
        "request_id": _REQUEST_ID,
    }
    if fields:
        error["fields"] = dict(fields)
    return {"error": error}


_EXAMPLE_FIELDS: Final[Mapping[ErrorCode, Mapping[str, str]]] = {
    ErrorCode.BAD_REQUEST: {"If-Match": 'one quoted version, e.g. "3"'},
    ErrorCode.VALIDATION_FAILED: {
        "lines[0].sku": "2-32 characters: A-Z, 0-9 and '-', starting with A-Z or 0-9",
        "lines[1].unit_price": "12.345 has more decimals than EUR allows",
    },
}


def _error_response(status: int, codes: Sequence[ErrorCode]) -> dict[str, Any]:
    names = ", ".join(code.value for code in codes)
    response: dict[str, Any] = {
        "description": f"{_STATUS_TEXT[status]}. Codes: {names}",
        "content": {
            "application/json": {
                "schema": _schema_ref(ErrorBody),
                "examples": {
                    code.value: {"value": error_example(code, _EXAMPLE_FIELDS.get(code))}
                    for code in codes
                },
            }
        },
    }
    if status in _RETRY_AFTER or _RETRY_AFTER_CODES & set(codes):
        response["headers"] = {
            "Retry-After": _header(
                "Seconds to wait before retrying", RETRY_AFTER_SCHEMA, required=False
            )
        }
    if status == HTTPStatus.METHOD_NOT_ALLOWED:
        response["headers"] = {
            "Allow": _header(
                "The methods the path accepts, e.g. POST, GET",
                {"type": "string", "pattern": "^[A-Z]+(, [A-Z]+)*$"},
                required=True,
            )
        }
    return response


def _by_status(codes: Sequence[ErrorCode]) -> dict[int, list[ErrorCode]]:
    grouped: dict[int, list[ErrorCode]] = {}
    for code in dict.fromkeys(codes):
        grouped.setdefault(int(ERROR_CODES[code].status), []).append(code)
    return dict(sorted(grouped.items()))


def _content(model: type[BaseModel], examples: Mapping[str, Any]) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": _schema_ref(model)}
    if examples:
        media["examples"] = dict(examples)
    return {"application/json": media}


def operation_codes(name: str) -> tuple[ErrorCode, ...]:
    """Every error code the operation ``name`` is documented to answer."""
    return tuple(dict.fromkeys((*operations.operation(name).error_codes(), *_COMMON_CODES)))


def _parameters(spec: operations.Operation, docs: _Docs) -> list[dict[str, Any]]:
    found = [_ORDER_ID_PARAMETER] if operations.ORDER_ID in spec.path else []
    if spec.if_match is not IfMatch.IGNORED:
        found.append(_if_match(required=spec.if_match is IfMatch.REQUIRED))
    return [*found, *(dict(p) for p in docs.parameters)]


def _operation(spec: operations.Operation) -> dict[str, Any]:
    docs = _DOCS.get(spec.name, _Docs())
    success: dict[str, Any] = {"description": docs.description or spec.summary}
    if spec.response is not None:
        example = (
            {} if docs.response_example is None else {"example": {"value": docs.response_example}}
        )
        success["content"] = _content(_MODELS[spec.response], example)
    headers = docs.response_headers
    if headers is None:
        headers = {"ETag": _ETAG} if spec.response == OrderOut.__name__ else {}
    if headers:
        success["headers"] = {k: dict(v) for k, v in headers.items()}
    if docs.links:
        success["links"] = {k: copy.deepcopy(v) for k, v in docs.links.items()}
    responses: dict[str, Any] = {str(spec.success): success}
    for status, codes in _by_status(operation_codes(spec.name)).items():
        responses[str(status)] = _error_response(status, codes)
    operation: dict[str, Any] = {
        "operationId": spec.name,
        "summary": spec.summary,
        "tags": ["orders"],
        "security": [{"cognito": []}],
        "responses": responses,
    }
    if docs.notes:
        operation["description"] = docs.notes
    parameters = _parameters(spec, docs)
    if parameters:
        operation["parameters"] = parameters
    if spec.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": _content(_MODELS[spec.body], docs.request_examples),
        }
    return operation


_INFO: Final = (
    "Place, read, list, change, cancel and delete orders. Amounts are decimal strings in "
    "major units. Every error, from a function or from the gateway, has the body "
    '`{"error": {"code", "message", "request_id", "fields"?}}`; `code` is one of '
    "ErrorCode. Each operation lists the statuses it can answer. Beyond them, a path this "
    "document does not name is 404 ROUTE_NOT_FOUND and a method a path lacks is 405 with "
    "Allow (components.responses.RouteNotFound, MethodNotAllowed).\n\n"
    "Authentication: the Cognito user pool's ID token in the Authorization header, as it "
    "is, without a `Bearer ` prefix. The document `orders serve` serves also offers its "
    "development identity (X-Dev-Customer, X-Dev-Staff, X-Dev-Tier), which only that local "
    "server honours."
)


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document of every order route, as committed."""
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        *((model, "validation") for model in _REQUEST_MODELS),
        *((model, "serialization") for model in (*_RESPONSE_MODELS, ErrorBody)),
    ]
    _, schemas = models_json_schema(models, ref_template=_REF)
    paths: dict[str, dict[str, Any]] = {}
    for spec in operations.OPERATIONS:
        if spec.authorized:
            paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": _INFO},
        "servers": [
            {
                "url": "https://{api_id}.execute-api.{region}.amazonaws.com/{stage}",
                "description": "The deployed API (the stack's `url` output); the document "
                "the API serves names the URL it was fetched from instead",
                "variables": {
                    "api_id": {"default": "abcdef1234", "description": "The REST API's id"},
                    "region": {"default": "eu-west-1"},
                    "stage": {"default": "v1", "enum": ["v1"]},
                },
            }
        ],
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "responses": {
                "RouteNotFound": _error_response(404, (ErrorCode.ROUTE_NOT_FOUND,)),
                "MethodNotAllowed": _error_response(405, (ErrorCode.METHOD_NOT_ALLOWED,)),
            },
            "securitySchemes": {
                "cognito": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "The Cognito user pool's ID token, as it is: no `Bearer ` "
                    "prefix (with openapi-python-client: `AuthenticatedClient(..., "
                    'prefix="")`)',
                }
            },
        },
    }


def served(base_url: str) -> dict[str, Any]:
    """The document as the API serves it at ``base_url``: the committed one, its server
    being the very URL it was fetched from, so Swagger UI and tools call that API."""
    found = dict(document())
    found["servers"] = [{"url": base_url, "description": "This API"}]
    return found


def render() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write or check the OpenAPI document.")
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--check", action="store_true", help="fail when the file differs")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else ""
        if current != text:
            sys.stderr.write(f"{args.path} is out of date; run: nox -s openapi\n")
            return 1
        return 0
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "ERROR_CODES",
    "CodeDoc",
    "document",
    "error_example",
    "main",
    "operation_codes",
    "render",
    "served",
]
