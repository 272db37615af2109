"""The route table the entrypoints, the local server and the Pulumi program share."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from orders_lambda import entrypoints as entrypoints_package
from orders_lambda import routes
from orders_manifest.operations import OPERATIONS

ENTRYPOINTS = Path(entrypoints_package.__file__).parent


def test_every_operation_has_its_own_method_and_path_and_name() -> None:
    assert len({(r.method, r.path) for r in routes.ROUTES}) == len(routes.ROUTES)
    assert len({r.name for r in routes.ROUTES}) == len(routes.ROUTES)
    assert [r.name for r in routes.ROUTES] == [o.name for o in OPERATIONS]


def test_every_entrypoint_module_is_a_function_of_the_manifest_and_no_other_is() -> None:
    modules = {p.stem for p in ENTRYPOINTS.glob("*.py") if p.stem != "__init__"}
    assert {r.entrypoint for r in routes.ROUTES} | set(routes.EVENT_ENTRYPOINTS) == {
        f"orders_lambda.entrypoints.{module}:handler" for module in modules
    }


@pytest.mark.parametrize("entrypoint", sorted(routes.entrypoints()))
def test_every_entrypoint_exists(entrypoint: str) -> None:
    module, _, function = entrypoint.partition(":")
    assert callable(getattr(importlib.import_module(module), function))


def test_a_path_matches_its_route_with_its_parameters() -> None:
    found = routes.match("post", "/orders/abc-1/cancel")
    assert found.route is routes.CANCEL_ORDER
    assert found.path_parameters == {"order_id": "abc-1"}


def test_a_known_path_with_another_method_lists_the_allowed_ones() -> None:
    found = routes.match("PUT", "/orders")
    assert found.route is None
    assert found.allowed == ("POST", "GET")


def test_an_unknown_path_matches_nothing() -> None:
    assert routes.match("GET", "/orders/a/b") == routes.Match(None, {}, ())


def test_resolver_paths_use_angle_brackets() -> None:
    assert routes.GET_ORDER.resolver_path == "/orders/<order_id>"
