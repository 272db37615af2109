"""PAYMENT_COMPLETED through a real SQS queue on the moto server into the payments consumer:
what the queue hands out becomes the Lambda event, the partial-batch response decides what is
deleted, and what keeps failing reaches the dead-letter queue."""

from __future__ import annotations

import json
from typing import Any

import pytest

from orders_adapters.memory import InMemoryOrderRepository
from orders_core import EventType, OrderId, OrderStatus
from orders_lambda.consumers.payments import process_batch
from tests.events.aws import MAX_RECEIVE_COUNT, QueueWithDlq, sqs_event
from tests.events.conftest import Logs
from tests.events.messages import payment
from tests.support.service import ALICE, STAFF, Service, a_line

pytestmark = pytest.mark.integration


@pytest.fixture
def service() -> Service:
    return Service(InMemoryOrderRepository())


def place(service: Service, count: int = 1) -> list[str]:
    return [service.place(ALICE, currency="EUR", lines=[a_line()]).id for _ in range(count)]


def consumer(service: Service) -> Any:
    return lambda event, _context: process_batch(event, service.mark_paid)


def test_payment_messages_from_the_queue_mark_their_orders_paid(
    service: Service, payments_queue: QueueWithDlq
) -> None:
    orders = place(service, 3)
    payments_queue.send(*(payment(o, payment_id=f"pay-{o}") for o in orders))

    failed = payments_queue.poll(consumer(service))

    assert failed == []
    assert [service.get(STAFF, o).status for o in orders] == [OrderStatus.PAID] * 3
    assert payments_queue.receive() == []


def test_a_batch_mixing_good_and_poison_messages_reports_exactly_the_poison_ones(
    service: Service, payments_queue: QueueWithDlq
) -> None:
    good = place(service, 2)
    cancelled = place(service)[0]
    service.cancel(ALICE, cancelled)
    good_ids = payments_queue.send(*(payment(o) for o in good))
    poison_ids = payments_queue.send(
        "{not json",
        json.dumps(["a", "list"]),
        payment(good[0], type="PAYMENT_REFUNDED"),
        payment(good[0], note="an unknown field"),
        payment(good[0], amount=None),
        payment("not an id!"),
        payment("order-nobody-placed"),
        payment(cancelled),
    )
    messages = payments_queue.receive(expected=10)
    assert len(messages) == 10

    answer = process_batch(sqs_event(messages, payments_queue.source.arn), service.mark_paid)

    reported = [item["itemIdentifier"] for item in answer["batchItemFailures"]]
    assert sorted(reported) == sorted(poison_ids)
    assert not set(reported) & set(good_ids)
    assert [service.get(STAFF, o).status for o in good] == [OrderStatus.PAID] * 2
    assert service.get(STAFF, cancelled).status is OrderStatus.CANCELLED


def test_poison_messages_reach_the_dead_letter_queue_after_the_bounded_receives(
    service: Service, payments_queue: QueueWithDlq
) -> None:
    good = place(service)[0]
    payments_queue.send(payment(good))
    poison = payments_queue.send("{not json", payment("order-nobody-placed"))

    rounds = [payments_queue.poll(consumer(service)) for _ in range(MAX_RECEIVE_COUNT + 1)]

    assert [sorted(r) for r in rounds] == [sorted(poison)] * MAX_RECEIVE_COUNT + [[]]
    parked = payments_queue.receive(payments_queue.dlq.url, expected=len(poison))
    assert sorted(m["MessageId"] for m in parked) == sorted(poison)
    assert service.get(STAFF, good).status is OrderStatus.PAID


def test_a_redelivered_payment_causes_no_second_transition_or_event(
    service: Service, payments_queue: QueueWithDlq
) -> None:
    order = place(service)[0]
    body = payment(order)
    payments_queue.send(body, body)

    assert payments_queue.poll(consumer(service)) == []
    payments_queue.send(body)
    assert payments_queue.poll(consumer(service)) == []

    events = service.store.events_for(OrderId(order))
    assert [e.type for e in events] == [EventType.ORDER_PLACED, EventType.ORDER_PAID]
    assert service.get(STAFF, order).version == 2


def test_a_late_payment_does_not_move_a_shipped_order_back(
    service: Service, payments_queue: QueueWithDlq
) -> None:
    order = place(service)[0]
    service.mark_paid(STAFF, order)
    service.mark_shipped(STAFF, order)
    payments_queue.send(payment(order))

    assert payments_queue.poll(consumer(service)) == []

    assert service.get(STAFF, order).status is OrderStatus.SHIPPED
    assert service.get(STAFF, order).version == 3


def test_a_rejection_is_logged_with_the_message_id_and_reason_but_not_the_body(
    service: Service, payments_queue: QueueWithDlq, logs: Logs
) -> None:
    email = "jane.doe@example.com"
    unknown, extra = payments_queue.send(
        payment("order-nobody-placed"), payment("order-x", payer_email=email)
    )

    assert sorted(payments_queue.poll(consumer(service))) == sorted([unknown, extra])

    rejected = {line["message_id"]: line for line in logs.lines("message rejected")}
    assert rejected[unknown]["reason"] == "ORDER_NOT_FOUND"
    assert rejected[unknown]["order_id"] == "order-nobody-placed"
    assert rejected[extra]["reason"] == "MALFORMED_MESSAGE"
    assert rejected[extra]["detail"] == "payer_email: extra_forbidden"
    assert email not in logs.text
