"""Bad input over real HTTP: always the right 4xx with a clear message, never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest

from orders_core import OrderStatus
from tests.support.http_client import ApiClient, Reply, new_order

pytestmark = pytest.mark.slow


def _assert_clear_error(reply: Reply, status: int) -> dict[str, Any]:
    assert reply.status == status, reply
    assert reply.header("Content-Type") == "application/json"
    error: dict[str, Any] = reply.json()["error"]
    assert error["code"]
    assert len(error["message"]) > 10
    assert error["request_id"] == reply.header("X-Amzn-RequestId")
    assert "Traceback" not in reply.body.decode()
    return error


def test_malformed_json_is_a_400(api: ApiClient) -> None:
    reply = api.post(
        "/orders",
        body=b'{"currency": "EUR", "lines": [',
        headers={"Content-Type": "application/json"},
    )
    assert _assert_clear_error(reply, 400)["code"] == "MALFORMED_JSON"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"currency": "EUR", "lines": [{"sku": "SKU-1", "quantity": "2", "unit_price": "1.00"}]},
            "lines[0].quantity",
        ),
        (
            {"currency": 978, "lines": [{"sku": "SKU-1", "quantity": 2, "unit_price": "1.00"}]},
            "currency",
        ),
        ({"currency": "EUR", "lines": "SKU-1"}, "lines"),
        ({"currency": "EUR", "lines": []}, "lines"),
    ],
    ids=["quantity-as-string", "currency-as-number", "lines-as-string", "no-lines"],
)
def test_wrong_types_name_the_field(api: ApiClient, body: dict[str, Any], field: str) -> None:
    error = _assert_clear_error(api.post("/orders", json_body=body), 422)
    assert field in error["fields"], error


@pytest.mark.parametrize("field", ["id", "status", "total", "version", "customer_id"])
def test_unknown_fields_are_refused_not_assigned(api: ApiClient, field: str) -> None:
    error = _assert_clear_error(api.post("/orders", json_body={**new_order(), field: "x"}), 422)
    assert error["fields"][field] == "unknown field"
    assert api.get("/orders").json()["items"] == []


def test_an_oversized_body_is_a_413_before_any_function_runs(api: ApiClient) -> None:
    huge = {"currency": "EUR", "lines": [], "padding": "x" * 200_000}
    error = _assert_clear_error(api.post("/orders", json_body=huge), 413)
    assert "bytes" in error["message"]


def test_an_oversized_patch_is_refused_too(api: ApiClient) -> None:
    order = api.post("/orders", json_body=new_order()).json()
    reply = api.patch(f"/orders/{order['id']}", body=b"[" * 70_000, headers={"If-Match": '"1"'})
    _assert_clear_error(reply, 413)


@pytest.mark.parametrize("cursor", ["nonsense", "eyJ2IjoxfQ.c2ln", "a" * 500, "%00"])
def test_a_bad_cursor_is_a_400(api: ApiClient, cursor: str) -> None:
    error = _assert_clear_error(api.get(f"/orders?cursor={cursor}"), 400)
    assert "cursor" in error["message"].lower()


@pytest.mark.parametrize("limit", ["0", "-1", "ten", "1.5"])
def test_a_bad_limit_is_a_400(api: ApiClient, limit: str) -> None:
    error = _assert_clear_error(api.get(f"/orders?limit={limit}"), 400)
    assert (error["code"], list(error["fields"])) == ("BAD_REQUEST", ["limit"])


def test_a_bad_status_filter_is_a_400_naming_the_statuses(api: ApiClient) -> None:
    error = _assert_clear_error(api.get("/orders?status=LOST"), 400)
    assert error["code"] == "BAD_REQUEST"
    assert list(error["fields"]) == ["status"]
    assert all(status in error["fields"]["status"] for status in OrderStatus)


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/nothing-here"), ("POST", "/orders/a/b/c"), ("GET", "/"), ("PUT", "/order")],
)
def test_an_unknown_route_is_a_404(api: ApiClient, method: str, path: str) -> None:
    error = _assert_clear_error(api.request(method, path), 404)
    assert error["code"] == "ROUTE_NOT_FOUND"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/orders", {"GET", "POST"}),
        ("POST", "/orders/some-id", {"GET", "PATCH", "DELETE"}),
        ("GET", "/orders/some-id/cancel", {"POST"}),
    ],
)
def test_a_wrong_method_is_a_405_with_allow(
    api: ApiClient, method: str, path: str, allowed: set[str]
) -> None:
    reply = api.request(method, path)
    assert _assert_clear_error(reply, 405)["code"] == "METHOD_NOT_ALLOWED"
    assert set((reply.header("Allow") or "").split(", ")) == allowed


def test_an_order_that_breaks_a_domain_rule_is_a_422(api: ApiClient) -> None:
    body = {"currency": "EUR", "lines": [{"sku": "SKU-1", "quantity": 1, "unit_price": "1.005"}]}
    _assert_clear_error(api.post("/orders", json_body=body), 422)


def test_cancelling_twice_is_a_409(api: ApiClient) -> None:
    order = api.post("/orders", json_body=new_order()).json()
    assert api.post(f"/orders/{order['id']}/cancel").status == 200
    _assert_clear_error(api.post(f"/orders/{order['id']}/cancel"), 409)


def test_a_malformed_if_match_is_a_400(api: ApiClient) -> None:
    order = api.post("/orders", json_body=new_order()).json()
    reply = api.patch(
        f"/orders/{order['id']}",
        json_body={"lines": new_order()["lines"]},
        headers={"If-Match": "version one"},
    )
    _assert_clear_error(reply, 400)
