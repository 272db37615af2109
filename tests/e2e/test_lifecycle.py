"""A whole order lifecycle over real HTTP, against ``orders serve`` in its own process."""

from __future__ import annotations

import pytest

from tests.e2e.scenarios import walk_the_lifecycle
from tests.support.http_client import ApiClient, new_order

pytestmark = pytest.mark.slow


def test_an_order_goes_from_creation_to_deletion_over_http(api: ApiClient, customer: str) -> None:
    walk_the_lifecycle(api, customer)


def test_a_stale_or_missing_if_match_is_refused(api: ApiClient) -> None:
    order = api.post("/orders", json_body=new_order()).json()
    path = f"/orders/{order['id']}"
    lines = {"lines": [{"sku": "SKU-2", "quantity": 1, "unit_price": "1.00"}]}

    missing = api.patch(path, json_body=lines)
    assert missing.status == 428, missing
    assert "If-Match" in missing.json()["error"]["message"]

    assert api.patch(path, json_body=lines, headers={"If-Match": '"1"'}).status == 200
    stale = api.patch(path, json_body=lines, headers={"If-Match": '"1"'})
    assert stale.status == 412, stale
    assert api.get(path).json()["version"] == 2


def test_another_customers_order_does_not_exist_for_you(api: ApiClient) -> None:
    order = api.post("/orders", json_body=new_order()).json()
    path = f"/orders/{order['id']}"
    mallory = api.as_customer("mallory")
    lines = {"lines": [{"sku": "SKU-2", "quantity": 1, "unit_price": "1.00"}]}

    for reply in (
        mallory.get(path),
        mallory.patch(path, json_body=lines, headers={"If-Match": '"1"'}),
        mallory.post(f"{path}/cancel"),
        mallory.delete(path),
    ):
        assert reply.status == 404, reply
        assert reply.error_code == api.get("/orders/no-such-order").error_code
    assert order["id"] not in [o["id"] for o in mallory.get("/orders").json()["items"]]
    assert api.get(path).json()["status"] == "PENDING"


def test_staff_see_any_customers_order(api: ApiClient) -> None:
    order = api.post("/orders", json_body=new_order()).json()
    fetched = api.as_staff().get(f"/orders/{order['id']}")
    assert fetched.status == 200, fetched
    assert fetched.json()["id"] == order["id"]


def test_a_request_without_a_development_identity_is_unauthenticated(api: ApiClient) -> None:
    reply = api.as_customer(None).get("/orders")
    assert reply.status == 401, reply
    assert reply.error_code == "UNAUTHENTICATED"
