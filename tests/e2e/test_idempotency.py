"""Idempotency-Key over real HTTP: replays, mismatched replays and racing duplicates."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest

from tests.support.http_client import ApiClient, Reply, new_order

pytestmark = pytest.mark.slow

REPLAYED = "Idempotent-Replayed"


def _key() -> dict[str, str]:
    return {"Idempotency-Key": f"key-{uuid.uuid4()}"}


def test_a_retry_replays_the_first_response(api: ApiClient) -> None:
    key = _key()
    first = api.post("/orders", json_body=new_order(), headers=key)
    assert first.status == 201, first
    assert first.header(REPLAYED) is None

    retry = api.post("/orders", json_body=new_order(), headers=key)
    assert retry.status == 201, retry
    assert retry.header(REPLAYED) == "true"
    assert retry.json() == first.json()
    assert retry.header("Location") == first.header("Location")
    assert len(api.get("/orders").json()["items"]) == 1


def test_the_same_key_with_another_body_is_a_422(api: ApiClient) -> None:
    key = _key()
    assert api.post("/orders", json_body=new_order(), headers=key).status == 201
    other = api.post("/orders", json_body=new_order(quantity=3), headers=key)
    assert other.status == 422, other
    assert other.error_code == "IDEMPOTENCY_KEY_REUSED"
    assert len(api.get("/orders").json()["items"]) == 1


def test_two_customers_may_use_the_same_key(api: ApiClient) -> None:
    key = _key()
    mine = api.post("/orders", json_body=new_order(), headers=key)
    theirs = api.as_customer(f"other-{uuid.uuid4().hex[:8]}").post(
        "/orders", json_body=new_order(), headers=key
    )
    assert (mine.status, theirs.status) == (201, 201)
    assert theirs.header(REPLAYED) is None
    assert mine.json()["id"] != theirs.json()["id"]


@pytest.mark.parametrize("attempt", range(3))
def test_racing_duplicates_create_exactly_one_order(api: ApiClient, attempt: int) -> None:
    key, callers = _key(), 8
    start = Barrier(callers, timeout=30)

    def post(_: int) -> Reply:
        start.wait()
        return api.post("/orders", json_body=new_order(), headers=key)

    with ThreadPoolExecutor(max_workers=callers) as pool:
        replies = list(pool.map(post, range(callers)))

    created = [r for r in replies if r.status == 201 and r.header(REPLAYED) is None]
    replayed = [r for r in replies if r.status == 201 and r.header(REPLAYED) == "true"]
    in_flight = [r for r in replies if r.status == 409]
    assert len(created) == 1, [str(r) for r in replies]
    assert len(created) + len(replayed) + len(in_flight) == callers, [str(r) for r in replies]
    assert {r.json()["id"] for r in replayed} <= {created[0].json()["id"]}
    for reply in in_flight:
        assert reply.error_code == "IDEMPOTENCY_IN_PROGRESS"
        assert int(reply.header("Retry-After") or "0") >= 1
    assert [o["id"] for o in api.get("/orders").json()["items"]] == [created[0].json()["id"]]
