"""Logs and metrics carry ids and codes, never a customer's personal data or order lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from dependency_injector import providers

from orders_adapters.memory import InMemoryOrderRepository
from orders_core import OrderId
from orders_lambda import observability
from orders_lambda.container import Container
from orders_lambda.http.idempotency import HEADER
from tests.support.apigw import Call

PERSONAL = {
    "sub": "customer-7",
    "email": "jane.doe@example.com",
    "name": "Jane Doe",
    "address": "12 Privet Drive",
    "phone_number": "+44 20 7946 0000",
}
SECRET_LINE = {"sku": "SKU-PRIVATE-42", "quantity": 3, "unit_price": "77.70"}
ORDER = {"currency": "EUR", "lines": [SECRET_LINE]}


@pytest.fixture
def captured(call: Call, capsys: pytest.CaptureFixture[str]) -> Iterator[io.StringIO]:
    call("GET", "/orders/warm-up")  # the logger exists from the first invocation on
    handler = observability.logger().registered_handler
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    capsys.readouterr()
    yield stream
    handler.setStream(previous)


def _lifecycle(call: Call) -> str:
    placed = call("POST", "/orders", body=ORDER, claims=PERSONAL, headers={HEADER: "k-1"})
    assert placed.status == 201
    path = f"/orders/{placed.json['id']}"
    call("POST", "/orders", body=ORDER, claims=PERSONAL, headers={HEADER: "k-1"})
    call("GET", path, claims=PERSONAL)
    call("GET", "/orders", claims=PERSONAL)
    lines = {"lines": ORDER["lines"]}
    call("PATCH", path, body=lines, claims=PERSONAL, headers={"If-Match": '"1"'})
    call(
        "PATCH", path, body={**lines, "name": "Jane"}, claims=PERSONAL, headers={"If-Match": '"2"'}
    )
    call("POST", "/orders", body={"lines": [{**SECRET_LINE, "sku": "bad sku"}]}, claims=PERSONAL)
    call("POST", f"{path}/cancel", claims=PERSONAL)
    call("DELETE", path, claims=PERSONAL)
    return str(placed.json["id"])


class _Exploding(InMemoryOrderRepository):
    def get(self, order_id: OrderId) -> Any:
        raise RuntimeError("store exploded")


def test_logs_and_metrics_hold_no_personal_data(
    call: Call,
    container: Container,
    captured: io.StringIO,
    capsys: pytest.CaptureFixture[str],
) -> None:
    order_id = _lifecycle(call)
    with container.repo.override(providers.Object(_Exploding())):
        call("GET", f"/orders/{order_id}", claims=PERSONAL)
    logs = captured.getvalue()
    everything = logs + capsys.readouterr().out
    for secret in (*list(PERSONAL.values())[1:], "Jane", "SKU-PRIVATE", "77.70", "233.10"):
        assert secret not in everything
    records = [json.loads(line) for line in logs.splitlines()]
    assert {r["message"] for r in records} >= {
        "order placed",
        "order updated",
        "order cancelled",
        "order deleted",
        "request refused",
        "request failed unexpectedly",
    }
    assert all(r.get("correlation_id") for r in records)
    placed = next(r for r in records if r["message"] == "order placed")
    assert (placed["order_id"], placed["customer_id"]) == (order_id, "customer-7")


def test_errors_are_counted_by_code(call: Call, capsys: pytest.CaptureFixture[str]) -> None:
    call("GET", "/orders/missing")
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    errors = [blob for blob in emitted if "Errors" in blob]
    assert errors
    assert errors[-1]["code"] == "ORDER_NOT_FOUND"


def test_placing_an_order_counts_it_and_its_value(
    call: Call, capsys: pytest.CaptureFixture[str]
) -> None:
    call("POST", "/orders", body=ORDER)
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    assert any(blob.get("OrdersPlaced") == [1.0] for blob in emitted)
    value = next(blob for blob in emitted if "OrderValue" in blob)
    assert (value["OrderValue"], value["currency"]) == ([233.1], "EUR")


def test_metrics_with_dimensions_are_the_blobs_powertools_writes_each_with_its_own(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric  # noqa: PLC0415

    capsys.readouterr()
    observability.count("Errors", code="ORDER_NOT_FOUND")
    observability.count("OrderValue", 12.5, unit="NoUnit", currency="EUR")
    with single_metric(
        name="OrderValue",
        unit=MetricUnit.NoUnit,
        value=12.5,
        namespace=observability._names["namespace"],
        default_dimensions={"service": observability._names["service"], "currency": "EUR"},
    ):
        pass
    error, ours, theirs = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    for blob in (error, ours, theirs):
        del blob["_aws"]["Timestamp"]
    assert ours == theirs
    assert "code" not in ours
    assert (error["Errors"], error["code"]) == ([1.0], "ORDER_NOT_FOUND")
    assert "currency" not in error
    assert error["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "code"]]
