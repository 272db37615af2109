"""``orders invoke`` on every sample event in events/, and what a Lambda event may not carry."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from orders_lambda.local.invoke import functions
from tests.events.aws import BusWithRule, bus_with_rule, drop_bus, events_client, sqs_client
from tests.support.cli import run_orders
from tests.support.moto_server import AWS_TEST_ENVIRONMENT

pytestmark = pytest.mark.slow

EVENTS = Path(__file__).resolve().parents[2] / "events"


def _invoke(
    workdir: Path,
    function: str,
    event: dict[str, Any],
    *,
    env: Mapping[str, str] | None = None,
    exit_status: int = 0,
) -> Any:
    path = workdir / f"{function}.event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    done = run_orders(
        workdir,
        "invoke",
        function,
        "--event",
        str(path),
        env={"PATH": "/usr/bin:/bin", "POWERTOOLS_TRACE_DISABLED": "true", **(env or {})},
    )
    assert done.returncode == exit_status, done.stderr[-3000:]
    return json.loads(done.stdout)


def _sample(function: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{function}.json").read_text(encoding="utf-8"))
    return event


SAMPLE_ORDER_ID = "0b6f3c2e-6a1d-4c53-9d0e-3f1f8f4a7c21"  # the order every sample is about


def _for_order(event: dict[str, Any], order_id: str) -> dict[str, Any]:
    """The sample event aimed at ``order_id`` instead of the sample's id (in SQS bodies too,
    which hold the id inside a JSON string)."""
    return json.loads(json.dumps(event).replace(SAMPLE_ORDER_ID, order_id))  # type: ignore[no-any-return]


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
    done = run_orders(tmp_path, "invoke", "nope", "--event", str(event))
    assert done.returncode != 0
    assert "create_order" in done.stderr


def test_the_payment_and_shipment_samples_move_an_order_on(tmp_path: Path) -> None:
    created = _invoke(tmp_path, "create_order", _sample("create_order"))
    order_id = json.loads(created["body"])["id"]

    paid = _invoke(tmp_path, "payments", _for_order(_sample("payments"), order_id))
    assert paid == {"batchItemFailures": []}
    shipped = _invoke(tmp_path, "shipments", _for_order(_sample("shipments"), order_id))
    assert shipped == {"changed": True, "order_id": order_id, "version": 3}

    got = _invoke(tmp_path, "get_order", _for_order(_sample("get_order"), order_id))
    assert (json.loads(got["body"])["status"], json.loads(got["body"])["version"]) == (
        "SHIPPED",
        3,
    )


def test_a_refused_event_is_reported_as_a_function_error_or_a_batch_failure(
    tmp_path: Path,
) -> None:
    # No order has the samples' id in a fresh store.
    payments = _invoke(tmp_path, "payments", _sample("payments"))
    message_id = _sample("payments")["Records"][0]["messageId"]
    assert payments == {"batchItemFailures": [{"itemIdentifier": message_id}]}
    shipments = _invoke(tmp_path, "shipments", _sample("shipments"), exit_status=1)
    assert shipments["errorType"] == "ShipmentRejected"
    assert "ORDER_NOT_FOUND" in shipments["errorMessage"], shipments


@pytest.fixture
def bus(moto_endpoint: str) -> Iterator[BusWithRule]:
    wiring = bus_with_rule(events_client(moto_endpoint), sqs_client(moto_endpoint), "orders")
    yield wiring
    drop_bus(wiring)


def test_the_publisher_sample_puts_its_event_on_the_bus(
    tmp_path: Path, moto_endpoint: str, bus: BusWithRule
) -> None:
    environment = {
        **AWS_TEST_ENVIRONMENT,
        "ORDERS_EVENT_BUS_NAME": bus.bus,
        "ORDERS_EVENTS_ENDPOINT": moto_endpoint,
    }
    answer = _invoke(tmp_path, "publisher", _sample("publisher"), env=environment)
    assert answer == {"batchItemFailures": []}
    [delivered] = bus.received()
    assert (delivered["detail-type"], delivered["detail"]["order_id"]) == (
        "OrderPlaced",
        SAMPLE_ORDER_ID,
    )


def test_a_bad_setting_is_one_line_naming_it_not_a_function_error(tmp_path: Path) -> None:
    path = tmp_path / "get.event.json"
    path.write_text(json.dumps(_sample("get_order")), encoding="utf-8")
    done = run_orders(
        tmp_path,
        "invoke",
        "get_order",
        "--event",
        str(path),
        env={"PATH": "/usr/bin:/bin", "ORDERS_MAX_BODY_BYTES": "1"},
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("orders: invalid configuration: ORDERS_MAX_BODY_BYTES")
