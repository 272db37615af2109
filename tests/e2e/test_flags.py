"""``orders serve --flags FILE``: discounts from a local flags file, by the caller's tier."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orders_adapters.appconfig import default_flags_document
from tests.support.http_client import ApiClient, new_order
from tests.support.local_server import orders_serve

pytestmark = pytest.mark.slow


def test_a_premium_caller_gets_the_discount_of_the_flags_file(tmp_path: Path) -> None:
    flags = tmp_path / "flags.json"
    flags.write_text(json.dumps(default_flags_document()), encoding="utf-8")
    with orders_serve(tmp_path, "--flags", str(flags)) as server:
        premium = ApiClient(server.url).as_customer("pat", tier="premium")
        standard = ApiClient(server.url).as_customer("sam")

        discounted = premium.post("/orders", json_body=new_order()).json()
        full_price = standard.post("/orders", json_body=new_order()).json()

    assert [d["code"] for d in discounted["discounts"]] == ["premium"]
    assert (discounted["subtotal"], discounted["total"]) == ("25.00", "22.50")
    assert (full_price["discounts"], full_price["total"]) == ([], "25.00")


def test_a_missing_flags_file_stops_the_command_before_it_listens(tmp_path: Path) -> None:
    with (
        pytest.raises(RuntimeError, match="no flags file"),
        orders_serve(tmp_path, "--flags", str(tmp_path / "absent.json")),
    ):
        pass


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "invalid"),
        (json.dumps({"premium_discount": {"default": "ten percent"}}), "invalid"),
    ],
    ids=["not JSON", "breaks the schema"],
)
def test_an_invalid_flags_file_stops_the_command_with_the_reason(
    tmp_path: Path, content: str, reason: str
) -> None:
    flags = tmp_path / "flags.json"
    flags.write_text(content, encoding="utf-8")
    with (
        pytest.raises(RuntimeError, match=f"flags file .*flags.json is {reason}") as refused,
        orders_serve(tmp_path, "--flags", str(flags)),
    ):
        pass
    assert "Traceback" not in str(refused.value)
