"""Payments and shipments delivered at least once and in any order end where the in-order
sequence ends: the same state, the same events, each transition once.

A message the consumer refuses (a delivery before its dispatch, a dispatch before the payment)
goes to the back of the line, as a queue's redelivery or Lambda's retry would bring it back.
"""

from __future__ import annotations

from collections import deque
from functools import cache
from typing import Any, Final

from hypothesis import given, settings
from hypothesis import strategies as st

from orders_adapters.memory import InMemoryOrderRepository
from orders_lambda.consumers.payments import process_batch
from orders_lambda.consumers.shipments import ShipmentRejected, process_event
from tests.events.messages import payment, shipment
from tests.support.fakes import FrozenClock
from tests.support.service import ALICE, STAFF, Service, a_line

ORDERS: Final = 2
IN_ORDER: Final = ("PAYMENT_COMPLETED", "SHIPMENT_DISPATCHED", "SHIPMENT_DELIVERED")
# Every message gets through within this many deliveries: each pass over the line applies at
# least the next step of each order.
MAX_DELIVERIES: Final = 200

Message = tuple[int, str]  # (order index, message kind)


def _deliver(service: Service, order_id: str, kind: str) -> bool:
    """One delivery to the consumer that takes this kind; True when it was accepted."""
    if kind == "PAYMENT_COMPLETED":
        event = {"Records": [{"messageId": "m", "body": payment(order_id), "attributes": {}}]}
        failures: list[Any] = process_batch(event, service.mark_paid)["batchItemFailures"]
        return not failures
    try:
        process_event(
            shipment(order_id, kind),
            mark_shipped=service.mark_shipped,
            mark_delivered=service.mark_delivered,
        )
    except ShipmentRejected:
        return False
    return True


def run(messages: list[Message]) -> list[dict[str, Any]]:
    """Every stored event's record once ``messages`` have all been accepted."""
    service = Service(InMemoryOrderRepository(), clock=FrozenClock())
    orders = [service.place(ALICE, currency="EUR", lines=[a_line()]).id for _ in range(ORDERS)]
    line: deque[Message] = deque(messages)
    for _ in range(MAX_DELIVERIES):
        if not line:
            break
        index, kind = line.popleft()
        if not _deliver(service, orders[index], kind):
            line.append((index, kind))
    assert not line, f"never accepted: {list(line)}"
    states = [service.get(STAFF, order_id).to_record() for order_id in orders]
    return [*states, *(e.to_record() for e in service.store.all_events())]


@cache
def in_order_result() -> list[dict[str, Any]]:
    return run([(i, kind) for i in range(ORDERS) for kind in IN_ORDER])


@st.composite
def deliveries(draw: st.DrawFn) -> list[Message]:
    """Each order's three messages, each one to three times, shuffled together."""
    copies = [
        (index, kind)
        for index in range(ORDERS)
        for kind in IN_ORDER
        for _ in range(draw(st.integers(1, 3)))
    ]
    return draw(st.permutations(copies))


@settings(max_examples=100)
@given(deliveries())
def test_duplicated_and_reordered_events_end_as_the_in_order_sequence(
    messages: list[Message],
) -> None:
    assert run(messages) == in_order_result()


def test_the_in_order_sequence_delivers_every_order_once_per_transition() -> None:
    result = in_order_result()
    states, events = result[:ORDERS], result[ORDERS:]
    assert [s["status"] for s in states] == ["DELIVERED"] * ORDERS
    types = [e["type"] for e in events]
    assert types == ["OrderPlaced", "OrderPaid", "OrderShipped", "OrderDelivered"] * ORDERS
