"""Orders survive a restart of ``orders serve`` on the same SQLite file, cursors included."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.http_client import ApiClient, new_order
from tests.support.local_server import orders_serve, stop

pytestmark = pytest.mark.slow


def test_orders_and_cursors_survive_a_restart(tmp_path: Path) -> None:
    with orders_serve(tmp_path) as first:
        api = ApiClient(first.url, customer="restart-customer")
        placed = [api.post("/orders", json_body=new_order()).json()["id"] for _ in range(3)]
        cursor = api.get("/orders?limit=1").json()["next_cursor"]
        assert stop(first) == 0
        assert "orders serve: stopped" in first.output()

    assert (tmp_path / ".orders" / "orders.sqlite3").is_file()
    with orders_serve(tmp_path) as second:
        api = ApiClient(second.url, customer="restart-customer")
        assert [o["id"] for o in api.get("/orders").json()["items"]] == placed[::-1]
        assert api.get(f"/orders/{placed[0]}").status == 200
        rest = api.get(f"/orders?limit=5&cursor={cursor}")
        assert rest.status == 200, rest
        assert [o["id"] for o in rest.json()["items"]] == placed[::-1][1:]


def test_db_option_chooses_the_file(tmp_path: Path) -> None:
    db = tmp_path / "elsewhere" / "my.sqlite3"
    with orders_serve(tmp_path / "work", "--db", str(db)) as server:
        api = ApiClient(server.url)
        assert api.post("/orders", json_body=new_order()).status == 201
        assert stop(server) == 0
    assert db.is_file()
    assert (db.parent / "cursor.key").is_file()
    assert not (tmp_path / "work" / ".orders").exists()
