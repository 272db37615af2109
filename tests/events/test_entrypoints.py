"""The three event entrypoints as Lambda calls them, wired by the one container (in-memory
store, a stand-in publisher), and what each imports before its first event."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from dependency_injector import providers

from orders_adapters.dynamodb import event_item
from orders_adapters.memory import InMemoryOrderRepository
from orders_core import NewLine, OrderStatus
from orders_lambda import bootstrap
from orders_lambda import container as containers
from orders_lambda.entrypoints import payments, shipments
from orders_lambda.entrypoints.publisher import handler as publisher_handler
from orders_lambda.settings import SettingsError, load_settings
from tests.events.messages import payment, shipment
from tests.events.stream_records import FakePublisher, record
from tests.support.apigw import FakeLambdaContext
from tests.support.fakes import SteppingClock
from tests.support.service import ALICE, STAFF

CURSOR_KEY = "events-entrypoint-tests-cursor-key-0123456789"


@pytest.fixture
def container(monkeypatch: pytest.MonkeyPatch) -> Iterator[containers.Container]:
    for name in list(os.environ):
        if name.startswith(("ORDERS_", "POWERTOOLS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ORDERS_STORE", "memory")
    monkeypatch.setenv("ORDERS_CURSOR_KEY", CURSOR_KEY)
    built = containers.build(load_settings())
    built.repo.override(providers.Object(InMemoryOrderRepository(CURSOR_KEY.encode())))
    built.clock.override(providers.Object(SteppingClock()))
    bootstrap.install(built)
    yield built
    bootstrap.install(None)


def place(container: containers.Container) -> str:
    return container.place_order()(ALICE, currency="EUR", lines=[NewLine("SKU-1", 1, "5")]).id


def sqs_records(*bodies: str) -> dict[str, object]:
    return {
        "Records": [
            {"messageId": f"m-{n}", "body": body, "eventSource": "aws:sqs", "attributes": {}}
            for n, body in enumerate(bodies)
        ]
    }


def test_the_payments_entrypoint_marks_orders_paid_and_reports_the_rest(
    container: containers.Container,
) -> None:
    order_id = place(container)  # 5.00 EUR
    short = place(container)

    answer = payments.handler(
        sqs_records(
            payment(order_id, amount=500),
            payment("order-unknown"),
            payment(short, amount=499),
            payment(short, amount=500, currency="USD"),
        ),
        FakeLambdaContext(),
    )

    assert answer == {"batchItemFailures": [{"itemIdentifier": f"m-{n}"} for n in (1, 2, 3)]}
    assert container.get_order()(STAFF, order_id).status is OrderStatus.PAID
    assert container.get_order()(STAFF, short).status is OrderStatus.PENDING


def test_the_shipments_entrypoint_ships_and_delivers(container: containers.Container) -> None:
    order_id = place(container)
    container.mark_paid()(STAFF, order_id)

    shipments.handler(shipment(order_id), FakeLambdaContext())
    shipments.handler(shipment(order_id, "SHIPMENT_DELIVERED"), FakeLambdaContext())

    assert container.get_order()(STAFF, order_id).status is OrderStatus.DELIVERED


def test_the_publisher_entrypoint_uses_the_containers_publisher(
    container: containers.Container,
) -> None:
    order_id = place(container)
    [placed] = container.repo().events_for(order_id)  # type: ignore[arg-type]
    fake = FakePublisher()
    container.event_publisher.override(providers.Object(fake))

    answer = publisher_handler(
        {"Records": [record(1, "INSERT", dict(event_item(placed, expires_at=1)))]},
        FakeLambdaContext(),
    )

    assert answer == {"batchItemFailures": []}
    assert fake.calls == [[placed]]


def test_a_publisher_without_a_bus_fails_naming_the_variable(
    container: containers.Container,
) -> None:
    with pytest.raises(SettingsError, match="ORDERS_EVENT_BUS_NAME"):
        container.event_publisher()


def test_the_consumers_load_without_boto3_or_powertools_batch() -> None:
    # The entrypoints import the composition root (the container's classes) at init; the SDK
    # and the batch utility wait for the first message.
    code = (
        "import sys, orders_lambda.entrypoints.payments, orders_lambda.entrypoints.shipments;"
        "print(sorted(m for m in ('boto3', 'aws_lambda_powertools.utilities.batch')"
        " if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
