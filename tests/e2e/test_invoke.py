"""``orders invoke`` on every sample event in events/, and what a Lambda event may not carry."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orders_lambda.local.invoke import functions

pytestmark = pytest.mark.slow

EVENTS = Path(__file__).resolve().parents[2] / "events"


def _invoke(workdir: Path, function: str, event: dict[str, Any]) -> dict[str, Any]:
    path = workdir / f"{function}.event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "orders_lambda.cli", "invoke", function, "--event", str(path)],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "POWERTOOLS_TRACE_DISABLED": "true"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _sample(function: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{function}.json").read_text(encoding="utf-8"))
    return event


def _for_order(event: dict[str, Any], order_id: str) -> dict[str, Any]:
    """The sample event aimed at ``order_id`` instead of the sample's id."""
    sample_id = event["pathParameters"]["order_id"]
    return json.loads(json.dumps(event).replace(sample_id, order_id))  # type: ignore[no-any-return]


def test_there_is_a_sample_event_for_every_function() -> None:
    assert {path.stem for path in EVENTS.glob("*.json")} >= set(functions())


def test_every_sample_event_runs_through_its_function(tmp_path: Path) -> None:
    created = _invoke(tmp_path, "create_order", _sample("create_order"))
    assert created["statusCode"] == 201, created
    order_id = json.loads(created["body"])["id"]

    expected = [
        ("get_order", 200),
        ("list_orders", 200),
        ("update_order", 200),
        ("cancel_order", 200),
        ("delete_order", 204),
    ]
    for function, status in expected:
        event = _sample(function)
        if event.get("pathParameters"):
            event = _for_order(event, order_id)
        result = _invoke(tmp_path, function, event)
        assert result["statusCode"] == status, (function, result)

    listed = _invoke(tmp_path, "list_orders", {**_sample("list_orders")})
    assert json.loads(listed["body"])["items"] == []

    docs = _invoke(tmp_path, "docs", _sample("docs"))
    assert docs["statusCode"] == 200, docs
    assert "/orders/{order_id}" in json.loads(docs["body"])["paths"]


def test_a_lambda_event_with_the_development_header_but_no_claims_is_401(tmp_path: Path) -> None:
    # The X-Dev-* headers mean something to `orders serve` only; a function never reads them.
    event = _sample("list_orders")
    del event["requestContext"]["authorizer"]
    event["headers"] = {**event["headers"], "X-Dev-Customer": "alice", "X-Dev-Staff": "1"}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    result = _invoke(tmp_path, "list_orders", event)
    assert result["statusCode"] == 401, result
    assert json.loads(result["body"])["error"]["code"] == "UNAUTHENTICATED"


def test_an_unknown_function_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text("{}", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "orders_lambda.cli", "invoke", "nope", "--event", str(event)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "create_order" in done.stderr
