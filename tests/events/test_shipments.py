"""The shipments consumer on EventBridge events: dispatched and delivered move the order on;
repeats and late events change nothing; early, unknown or malformed events raise (so Lambda
retries them and then dead-letters them) after logging why with the event id."""

from __future__ import annotations

from typing import Any

import pytest

from orders_adapters.memory import InMemoryOrderRepository
from orders_core import EventType, OrderId, OrderStatus
from orders_lambda.consumers.shipments import ShipmentRejected, process_event
from tests.events.conftest import Logs
from tests.events.messages import shipment
from tests.support.service import ALICE, STAFF, Service, a_line


@pytest.fixture
def service() -> Service:
    return Service(InMemoryOrderRepository())


@pytest.fixture
def paid(service: Service) -> str:
    order = service.place(ALICE, currency="EUR", lines=[a_line()]).id
    service.mark_paid(STAFF, order)
    return order


def deliver(service: Service, event: dict[str, Any]) -> dict[str, Any]:
    return process_event(
        event, mark_shipped=service.mark_shipped, mark_delivered=service.mark_delivered
    )


def test_dispatched_then_delivered_ships_and_delivers_the_order(
    service: Service, paid: str
) -> None:
    assert deliver(service, shipment(paid)) == {"order_id": paid, "changed": True, "version": 3}
    deliver(service, shipment(paid, "SHIPMENT_DELIVERED", event_id="e-2"))

    assert service.get(STAFF, paid).status is OrderStatus.DELIVERED


def test_a_repeated_or_late_event_changes_nothing(service: Service, paid: str) -> None:
    deliver(service, shipment(paid))
    deliver(service, shipment(paid, "SHIPMENT_DELIVERED", event_id="e-2"))

    again = deliver(service, shipment(paid))
    late = deliver(service, shipment(paid, "SHIPMENT_DELIVERED", event_id="e-2"))

    assert (again["changed"], late["changed"]) == (False, False)
    types = [e.type for e in service.store.events_for(OrderId(paid))]
    assert types.count(EventType.ORDER_SHIPPED) == types.count(EventType.ORDER_DELIVERED) == 1


def test_a_delivery_before_the_dispatch_is_refused_until_the_dispatch_arrives(
    service: Service, paid: str
) -> None:
    early = shipment(paid, "SHIPMENT_DELIVERED", event_id="e-2")
    with pytest.raises(ShipmentRejected, match="ILLEGAL_TRANSITION"):
        deliver(service, early)
    assert service.get(STAFF, paid).status is OrderStatus.PAID

    deliver(service, shipment(paid))
    assert deliver(service, early)["changed"] is True  # Lambda's retry
    assert service.get(STAFF, paid).status is OrderStatus.DELIVERED


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (shipment("order-nobody-placed"), "ORDER_NOT_FOUND"),
        (shipment("order-1", "SHIPMENT_LOST"), "MALFORMED_MESSAGE"),
        (shipment("order-1", carrier_notes="leave at the door"), "MALFORMED_MESSAGE"),
        ({**shipment("order-1"), "detail": "not an object"}, "MALFORMED_MESSAGE"),
        ({"id": "e-9"}, "MALFORMED_MESSAGE"),
        ({**shipment("order-1"), "source": "someone-else"}, "MALFORMED_MESSAGE"),
    ],
)
def test_a_bad_event_raises_and_its_reason_is_logged_with_its_id(
    service: Service, logs: Logs, event: dict[str, Any], reason: str
) -> None:
    with pytest.raises(ShipmentRejected, match=reason):
        deliver(service, event)

    [line] = logs.lines("message rejected")
    assert (line["message_id"], line["reason"], line["consumer"]) == (
        event["id"],
        reason,
        "shipments",
    )
    assert "leave at the door" not in logs.text
