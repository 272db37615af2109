"""A cursor walk over many orders, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from orders_core import MAX_PAGE_SIZE
from tests.support.http_client import ApiClient, new_order

pytestmark = pytest.mark.slow

ORDERS = 60
PAGE = 7


def _walk(api: ApiClient, query: str) -> tuple[list[dict[str, Any]], int]:
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while pages <= ORDERS:  # bounded even if the cursor never ends
        suffix = f"&cursor={cursor}" if cursor else ""
        reply = api.get(f"/orders?limit={PAGE}{query}{suffix}")
        assert reply.status == 200, reply
        page = reply.json()
        assert len(page["items"]) <= PAGE
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    return seen, pages


def test_a_cursor_walk_returns_every_order_once_newest_first(api: ApiClient) -> None:
    placed = [api.post("/orders", json_body=new_order()).json()["id"] for _ in range(ORDERS)]
    for order_id in placed[::3]:
        assert api.post(f"/orders/{order_id}/cancel").status == 200

    seen, pages = _walk(api, "")
    assert [order["id"] for order in seen] == placed[::-1]
    assert pages == -(-ORDERS // PAGE)
    stamps = [order["created_at"] for order in seen]
    assert stamps == sorted(stamps, reverse=True)

    cancelled, _ = _walk(api, "&status=CANCELLED")
    assert [order["id"] for order in cancelled] == placed[::3][::-1]


def test_a_cursor_is_bound_to_its_customer(api: ApiClient) -> None:
    for _ in range(3):
        api.post("/orders", json_body=new_order())
    cursor = api.get("/orders?limit=1").json()["next_cursor"]
    assert cursor
    stolen = api.as_customer("mallory").get(f"/orders?limit=1&cursor={cursor}")
    assert stolen.status == 400, stolen
    assert stolen.error_code == "INVALID_CURSOR"


def test_a_limit_above_the_maximum_is_refused_naming_the_bound(api: ApiClient) -> None:
    answer = api.get(f"/orders?limit={MAX_PAGE_SIZE + 1}")
    assert (answer.status, answer.error_code) == (400, "BAD_REQUEST"), answer
    assert answer.json()["error"]["fields"] == {"limit": f"1 to {MAX_PAGE_SIZE}"}


def test_the_maximum_limit_is_served_as_a_full_page(api: ApiClient) -> None:
    placed = [
        api.post("/orders", json_body=new_order()).json()["id"] for _ in range(MAX_PAGE_SIZE + 1)
    ]

    first = api.get(f"/orders?limit={MAX_PAGE_SIZE}")

    assert first.status == 200, first
    page = first.json()
    assert [order["id"] for order in page["items"]] == placed[:0:-1]  # newest MAX_PAGE_SIZE
    assert page["next_cursor"]
    rest = api.get(f"/orders?limit={MAX_PAGE_SIZE}&cursor={page['next_cursor']}").json()
    assert ([order["id"] for order in rest["items"]], rest["next_cursor"]) == ([placed[0]], None)
