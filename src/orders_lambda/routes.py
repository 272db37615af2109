"""The route table: every HTTP operation of :mod:`orders_manifest.operations`, matchable.

Standard library only, so the local server and the OpenAPI generator can read it without
importing any handler; the Pulumi program reads the manifest itself. Paths use API Gateway's
``{param}`` syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from importlib import import_module
from typing import Any, Final

from orders_manifest.operations import EVENT_FUNCTIONS, OPERATIONS, Operation

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

_PARAM: Final = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class Route(Operation):
    """One operation of the manifest, with the pattern its path matches requests by."""

    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    @classmethod
    def of(cls, operation: Operation) -> Route:
        return cls(**{f.name: getattr(operation, f.name) for f in fields(Operation)})

    def __post_init__(self) -> None:
        parts = _PARAM.split(self.path)  # literal, name, literal, name, ..., literal
        regex = "".join(
            f"(?P<{part}>[^/]+)" if index % 2 else re.escape(part)
            for index, part in enumerate(parts)
        )
        object.__setattr__(self, "pattern", re.compile(regex))

    @property
    def resolver_path(self) -> str:
        """The path in Powertools' resolver syntax (``/orders/<order_id>``)."""
        return _PARAM.sub(r"<\1>", self.path)

    def path_parameters(self, path: str) -> dict[str, str] | None:
        """The path parameters when ``path`` matches this route's path, else None."""
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


ROUTES: Final[tuple[Route, ...]] = tuple(Route.of(operation) for operation in OPERATIONS)


def route(name: str) -> Route:
    """The route of the operation called ``name``; a KeyError naming it when there is none."""
    for found in ROUTES:
        if found.name == name:
            return found
    raise KeyError(f"no route {name!r}")


CREATE_ORDER: Final = route("create_order")
LIST_ORDERS: Final = route("list_orders")
GET_ORDER: Final = route("get_order")
UPDATE_ORDER: Final = route("update_order")
CANCEL_ORDER: Final = route("cancel_order")
DELETE_ORDER: Final = route("delete_order")
OPENAPI_DOCUMENT: Final = route("openapi_document")
SWAGGER_UI: Final = route("swagger_ui")
SWAGGER_ASSET: Final = route("swagger_asset")

ORDER_ROUTES: Final = tuple(r for r in ROUTES if r.authorized)


EVENT_ENTRYPOINTS: Final[tuple[str, ...]] = tuple(f.entrypoint for f in EVENT_FUNCTIONS)
"""The event-driven functions: one Lambda function each, like the HTTP entrypoints."""


def entrypoints() -> Mapping[str, tuple[Route, ...]]:
    """Each Lambda entrypoint with the routes it serves (one function per entrypoint)."""
    grouped: dict[str, list[Route]] = {}
    for each in ROUTES:
        grouped.setdefault(each.entrypoint, []).append(each)
    return {name: tuple(served) for name, served in grouped.items()}


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
    for each in ROUTES:
        params = each.path_parameters(path)
        if params is None:
            continue
        if each.method == method.upper():
            return Match(each, params, ())
        allowed.append(each.method)
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
    "route",
]
