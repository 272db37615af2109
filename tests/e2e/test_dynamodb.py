"""``orders serve --dynamodb-endpoint`` against a moto server process: the same lifecycle.

moto runs single-threaded here, which keeps its conditional writes atomic (see
tests/support/moto_server.py); the server creates its tables there on startup.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.scenarios import walk_the_lifecycle
from tests.support.http_client import ApiClient, new_order
from tests.support.local_server import orders_serve, stop
from tests.support.moto_server import AWS_TEST_ENVIRONMENT, moto_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_the_lifecycle_on_dynamodb(tmp_path: Path) -> None:
    with (
        moto_server(threaded=False) as endpoint,
        orders_serve(tmp_path, "--dynamodb-endpoint", endpoint, env=AWS_TEST_ENVIRONMENT) as server,
    ):
        assert "DynamoDB at" in server.output()
        api = ApiClient(server.url, customer="dynamo-customer")
        walk_the_lifecycle(api, "dynamo-customer")

        key = {"Idempotency-Key": "dynamo-key"}
        first = api.post("/orders", json_body=new_order(), headers=key)
        retry = api.post("/orders", json_body=new_order(), headers=key)
        assert (first.status, retry.status) == (201, 201), (first, retry)
        assert retry.header("Idempotent-Replayed") == "true"
        assert retry.json()["id"] == first.json()["id"]
        assert stop(server) == 0
    assert not (tmp_path / ".orders" / "orders.sqlite3").exists()
