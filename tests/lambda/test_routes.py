"""The route table the entrypoints, the local server and the Pulumi program share."""

from __future__ import annotations

import importlib

import pytest

from orders_lambda import routes

EXPECTED = {
    ("POST", "/orders"): "orders_lambda.entrypoints.create_order:handler",
    ("GET", "/orders"): "orders_lambda.entrypoints.list_orders:handler",
    ("GET", "/orders/{order_id}"): "orders_lambda.entrypoints.get_order:handler",
    ("PATCH", "/orders/{order_id}"): "orders_lambda.entrypoints.update_order:handler",
    ("POST", "/orders/{order_id}/cancel"): "orders_lambda.entrypoints.cancel_order:handler",
    ("DELETE", "/orders/{order_id}"): "orders_lambda.entrypoints.delete_order:handler",
    ("GET", "/openapi.json"): "orders_lambda.entrypoints.docs:handler",
    ("GET", "/swagger"): "orders_lambda.entrypoints.docs:handler",
    ("GET", "/swagger/{asset}"): "orders_lambda.entrypoints.docs:handler",
}


def test_the_table_lists_every_operation() -> None:
    assert {(r.method, r.path): r.entrypoint for r in routes.ROUTES} == EXPECTED
    assert len({r.name for r in routes.ROUTES}) == len(routes.ROUTES)


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
