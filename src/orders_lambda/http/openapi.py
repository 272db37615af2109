"""The OpenAPI 3.1 document, generated from the route table and the pydantic models.

Nothing here is imported by the order entrypoints; only the docs entrypoint and the spec
check use it. ``python -m orders_lambda.http.openapi [--check] [PATH]`` writes the document
to PATH (default docs/openapi.json) or, with ``--check``, fails when the file differs.
"""

from __future__ import annotations

import argparse
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

from orders_core import MAX_PAGE_SIZE, OrderStatus
from orders_core.use_cases import DEFAULT_PAGE_SIZE
from orders_lambda import routes
from orders_lambda.http.models import (
    CreateOrderRequest,
    ErrorBody,
    OrderOut,
    OrderPage,
    UpdateOrderRequest,
)

TITLE: Final = "Orders service"
VERSION: Final = "1.0.0"
DEFAULT_PATH: Final = Path("docs/openapi.json")
_REF: Final = "#/components/schemas/{model}"

_ERRORS: Final[Mapping[int, str]] = {
    400: "Unreadable request: malformed JSON, a bad header, query parameter or cursor",
    401: "No authenticated caller",
    403: "The caller may not do this at all",
    404: "No such order (another customer's order is not found either)",
    409: "The order's status does not allow this",
    412: "If-Match names a version that is no longer current",
    413: "The body is too large",
    415: "The body is not application/json",
    422: "The body breaks the schema or a business rule; `fields` names each problem",
    428: "If-Match is required",
    500: "Unexpected failure; quote the request id",
    503: "The store is unavailable; retry after Retry-After seconds",
}
_COMMON_ERRORS: Final = (401, 500, 503)
_BODY_ERRORS: Final = (400, 413, 415, 422)


def _header(description: str, *, required: bool = False) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": {"type": "string"}}


_ETAG: Final = _header('The order\'s version in quotes, e.g. "3"')
_IF_MATCH: Final = "If-Match"


@dataclass(frozen=True, slots=True)
class _Operation:
    success: HTTPStatus
    description: str
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    response_headers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    parameters: Sequence[Mapping[str, Any]] = ()
    errors: Sequence[int] = ()
    # The 409 of an operation whose conflict can pass (sent with Retry-After), if it has one.
    transient_conflict: str | None = None


def _parameter(name: str, where: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path" or schema.pop("required", False),
        "description": description,
        "schema": schema or {"type": "string"},
    }


_ORDER_ID: Final = _parameter("order_id", "path", "The order's id")


def _if_match(*, required: bool) -> dict[str, Any]:
    purpose = "required" if required else "optional; when given, the change applies only then"
    return _parameter(
        _IF_MATCH,
        "header",
        f'The ETag read before, e.g. "3" ({purpose})',
        type="string",
        required=required,
    )


_OPERATIONS: Final[Mapping[str, _Operation]] = {
    "create_order": _Operation(
        HTTPStatus.CREATED,
        "Placed. Location names the order; a replayed answer has Idempotent-Replayed: true.",
        request=CreateOrderRequest,
        response=OrderOut,
        response_headers={
            "Location": _header("The new order's URL"),
            "ETag": _ETAG,
            "Idempotent-Replayed": _header("true when this answer replays an earlier call"),
        },
        parameters=(
            _parameter(
                "Idempotency-Key",
                "header",
                "Makes retries safe: one order per key and caller; the same key with another "
                "body is a 422, while the first call runs a 409 with Retry-After",
                type="string",
                minLength=1,
                maxLength=255,
            ),
        ),
        errors=(*_BODY_ERRORS, 403, 409),
        transient_conflict="A call with the same Idempotency-Key is still running; retry after "
        "Retry-After seconds",
    ),
    "list_orders": _Operation(
        HTTPStatus.OK,
        "A page of orders, newest first",
        response=OrderPage,
        parameters=(
            _parameter(
                "limit",
                "query",
                f"Page size, capped at {MAX_PAGE_SIZE}",
                type="integer",
                minimum=1,
                default=DEFAULT_PAGE_SIZE,
            ),
            _parameter("cursor", "query", "The previous page's next_cursor"),
            _parameter(
                "status",
                "query",
                "Only orders in this status",
                type="string",
                enum=[s.value for s in OrderStatus],
            ),
            _parameter("customer_id", "query", "Staff only: whose orders to list"),
        ),
        errors=(400, 403, 422),
    ),
    "get_order": _Operation(
        HTTPStatus.OK,
        "The order",
        response=OrderOut,
        response_headers={"ETag": _ETAG},
        parameters=(_ORDER_ID,),
        errors=(404,),
    ),
    "update_order": _Operation(
        HTTPStatus.OK,
        "The updated order",
        request=UpdateOrderRequest,
        response=OrderOut,
        response_headers={"ETag": _ETAG},
        parameters=(_ORDER_ID, _if_match(required=True)),
        errors=(*_BODY_ERRORS, 404, 409, 412, 428),
    ),
    "cancel_order": _Operation(
        HTTPStatus.OK,
        "The cancelled order",
        response=OrderOut,
        response_headers={"ETag": _ETAG},
        parameters=(_ORDER_ID, _if_match(required=False)),
        errors=(400, 404, 409, 412),
    ),
    "delete_order": _Operation(
        HTTPStatus.NO_CONTENT,
        "Deleted",
        parameters=(_ORDER_ID, _if_match(required=False)),
        errors=(400, 404, 409, 412),
    ),
}


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(model=model.__name__)}}}


def _operation(route: routes.Route, spec: _Operation) -> dict[str, Any]:
    success: dict[str, Any] = {"description": spec.description}
    if spec.response is not None:
        success["content"] = _json(spec.response)
    if spec.response_headers:
        success["headers"] = dict(spec.response_headers)
    responses = {str(int(spec.success)): success}
    for status in sorted({*spec.errors, *_COMMON_ERRORS}):
        transient = status == 409 and spec.transient_conflict is not None
        description = spec.transient_conflict if transient else _ERRORS[status]
        error: dict[str, Any] = {"description": description, "content": _json(ErrorBody)}
        if transient or status == 503:
            error["headers"] = {"Retry-After": _header("Seconds to wait before retrying")}
        responses[str(status)] = error
    operation: dict[str, Any] = {
        "operationId": route.name,
        "summary": route.summary,
        "tags": ["orders"],
        "security": [{"cognito": []}],
        "responses": responses,
    }
    if spec.parameters:
        operation["parameters"] = [dict(p) for p in spec.parameters]
    if spec.request is not None:
        operation["requestBody"] = {"required": True, "content": _json(spec.request)}
    return operation


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document of every order route."""
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (CreateOrderRequest, "validation"),
        (UpdateOrderRequest, "validation"),
        (OrderOut, "serialization"),
        (OrderPage, "serialization"),
        (ErrorBody, "serialization"),
    ]
    _, schemas = models_json_schema(models, ref_template=_REF)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes.ORDER_ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(
            route, _OPERATIONS[route.name]
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "Place, read, list, change, cancel and delete orders. Amounts are "
            "decimal strings in major units. Every error has the body "
            '{"error": {"code", "message", "request_id", "fields"?}}.',
        },
        "servers": [{"url": "."}],
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "cognito": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "A Cognito user pool ID token",
                }
            },
        },
    }


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
