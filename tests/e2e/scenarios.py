"""Scenarios run against more than one configuration of ``orders serve``."""

from __future__ import annotations

from tests.support.http_client import ApiClient, new_order


def walk_the_lifecycle(api: ApiClient, customer: str) -> None:
    """Create, get, list, patch with If-Match, cancel and delete one order of ``customer``."""
    created = api.post("/orders", json_body=new_order(skus=2))
    assert created.status == 201, created
    order = created.json()
    assert order["customer_id"] == customer
    assert order["status"] == "PENDING"
    assert order["total"] == "50.00"
    assert created.header("Location") == f"/orders/{order['id']}"
    assert created.header("ETag") == '"1"'
    assert created.header("X-Amzn-RequestId")
    path = f"/orders/{order['id']}"

    fetched = api.get(path)
    assert fetched.status == 200, fetched
    assert fetched.json() == order
    assert fetched.header("ETag") == '"1"'

    listed = api.get("/orders")
    assert listed.status == 200, listed
    assert [item["id"] for item in listed.json()["items"]] == [order["id"]]

    lines = {"lines": [{"sku": "SKU-9", "quantity": 1, "unit_price": "3.00"}]}
    patched = api.patch(path, json_body=lines, headers={"If-Match": '"1"'})
    assert patched.status == 200, patched
    assert patched.json()["total"] == "3.00"
    assert patched.header("ETag") == '"2"'

    cancelled = api.post(f"{path}/cancel")
    assert cancelled.status == 200, cancelled
    assert cancelled.json()["status"] == "CANCELLED"

    deleted = api.delete(path)
    assert deleted.status == 204, deleted
    assert deleted.body == b""
    assert api.get(path).status == 404
