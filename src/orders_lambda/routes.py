"""Every HTTP operation of the service: its name, method, path and Lambda entrypoint.

Plain data and the standard library only, so the Pulumi program, the local server and the
OpenAPI generator can read it without importing any handler. Paths use API Gateway's
``{param}`` syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from typing import Any, Final

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

_PARAM: Final = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class Route:
    """One operation: ``method`` on ``path``, served by ``entrypoint`` ("module:function")."""

    name: str
    method: str
    path: str
    entrypoint: str
    summary: str
    authorized: bool = True
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = _PARAM.split(self.path)  # literal, name, literal, name, ..., literal
        regex = "".join(
            f"(?P<{part}>[^/]+)" if index % 2 else re.escape(part)
            for index, part in enumerate(parts)
        )
        object.__setattr__(self, "pattern", re.compile(regex))

    @property
    def module(self) -> str:
        return self.entrypoint.partition(":")[0]

    @property
    def function(self) -> str:
        return self.entrypoint.partition(":")[2]

    @property
    def resolver_path(self) -> str:
        """The path in Powertools' resolver syntax (``/orders/<order_id>``)."""
        return _PARAM.sub(r"<\1>", self.path)

    def path_parameters(self, path: str) -> dict[str, str] | None:
        """The path parameters when ``path`` matches this route's path, else None."""
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


def _handler(module: str) -> str:
    return f"orders_lambda.entrypoints.{module}:handler"


CREATE_ORDER: Final = Route(
    "create_order", "POST", "/orders", _handler("create_order"), "Place an order"
)
LIST_ORDERS: Final = Route(
    "list_orders", "GET", "/orders", _handler("list_orders"), "List the caller's orders"
)
GET_ORDER: Final = Route(
    "get_order", "GET", "/orders/{order_id}", _handler("get_order"), "Read one order"
)
UPDATE_ORDER: Final = Route(
    "update_order",
    "PATCH",
    "/orders/{order_id}",
    _handler("update_order"),
    "Replace the lines of a pending order",
)
CANCEL_ORDER: Final = Route(
    "cancel_order",
    "POST",
    "/orders/{order_id}/cancel",
    _handler("cancel_order"),
    "Cancel an order",
)
DELETE_ORDER: Final = Route(
    "delete_order", "DELETE", "/orders/{order_id}", _handler("delete_order"), "Delete an order"
)
OPENAPI_DOCUMENT: Final = Route(
    "openapi_document",
    "GET",
    "/openapi.json",
    _handler("docs"),
    "This API's OpenAPI document",
    authorized=False,
)
SWAGGER_UI: Final = Route(
    "swagger_ui", "GET", "/swagger", _handler("docs"), "Swagger UI", authorized=False
)
SWAGGER_ASSET: Final = Route(
    "swagger_asset",
    "GET",
    "/swagger/{asset}",
    _handler("docs"),
    "Swagger UI's script and style sheet",
    authorized=False,
)

ROUTES: Final[tuple[Route, ...]] = (
    CREATE_ORDER,
    LIST_ORDERS,
    GET_ORDER,
    UPDATE_ORDER,
    CANCEL_ORDER,
    DELETE_ORDER,
    OPENAPI_DOCUMENT,
    SWAGGER_UI,
    SWAGGER_ASSET,
)

ORDER_ROUTES: Final = tuple(r for r in ROUTES if r.authorized)


EVENT_ENTRYPOINTS: Final[tuple[str, ...]] = (
    "orders_lambda.consumers.payments:handler",  # PAYMENT_COMPLETED from the SQS queue
    "orders_lambda.consumers.shipments:handler",  # SHIPMENT_* from the EventBridge bus
    "orders_lambda.publisher:handler",  # the outbox, from the orders table's stream
)
"""The event-driven functions: one Lambda function each, like the HTTP entrypoints."""


def entrypoints() -> Mapping[str, tuple[Route, ...]]:
    """Each Lambda entrypoint with the routes it serves (one function per entrypoint)."""
    grouped: dict[str, list[Route]] = {}
    for route in ROUTES:
        grouped.setdefault(route.entrypoint, []).append(route)
    return {name: tuple(routes) for name, routes in grouped.items()}


@dataclass(frozen=True, slots=True)
class Match:
    """What a request's method and path resolve to.

    ``route`` is set when both match; otherwise ``allowed`` lists the methods the path does
    accept (empty: no such path, a 404; non-empty: a 405 with an Allow header).
    """

    route: Route | None
    path_parameters: Mapping[str, str]
    allowed: tuple[str, ...]


def match(method: str, path: str) -> Match:
    allowed: list[str] = []
    for route in ROUTES:
        params = route.path_parameters(path)
        if params is None:
            continue
        if route.method == method.upper():
            return Match(route, params, ())
        allowed.append(route.method)
    return Match(None, {}, tuple(dict.fromkeys(allowed)))


@cache
def load_handler(entrypoint: str) -> LambdaHandler:
    """Import an entrypoint ("module:function") on first use; later calls reuse it."""
    module, _, function = entrypoint.partition(":")
    loaded: LambdaHandler = getattr(import_module(module), function)
    return loaded


__all__ = [
    "EVENT_ENTRYPOINTS",
    "ORDER_ROUTES",
    "ROUTES",
    "LambdaHandler",
    "Match",
    "Route",
    "entrypoints",
    "load_handler",
    "match",
]
