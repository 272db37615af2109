"""``orders dlq list|redrive`` against queues on the moto server."""

from __future__ import annotations

import argparse
import io
import json

import boto3
import pytest
from botocore.stub import Stubber

from orders_adapters.memory import InMemoryOrderRepository
from orders_core import OrderId, OrderStatus
from orders_lambda.consumers.payments import process_batch
from orders_local.dlq import (
    REDRIVE_ATTRIBUTE,
    DlqError,
    list_dead_letters,
    redrive,
    redrive_natively,
    register,
    run,
)
from tests.events.aws import MAX_RECEIVE_COUNT, QueueWithDlq, make_queue, receive, unique
from tests.events.conftest import Logs
from tests.events.faults import FlakyStore
from tests.events.messages import payment, shipment
from tests.support.service import ALICE, STAFF, Service, a_line

pytestmark = pytest.mark.integration


@pytest.fixture
def service() -> Service:
    return Service(FlakyStore(InMemoryOrderRepository()))


def dead_letter_payments(service: Service, queues: QueueWithDlq, *bodies: str) -> list[str]:
    """Send ``bodies`` and let the consumer fail them until the queue dead-letters them."""
    ids = queues.send(*bodies)
    # SQS moves a message on the first receive past maxReceiveCount.
    for _ in range(MAX_RECEIVE_COUNT + 1):
        queues.poll(lambda event, _context: process_batch(event, service.mark_paid))
    return ids


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="orders")
    register(root.add_subparsers(dest="command", required=True))
    return root


def test_list_shows_each_dead_letter_with_its_ids_and_receives_and_leaves_it_there(
    service: Service, payments_queue: QueueWithDlq
) -> None:
    ids = dead_letter_payments(service, payments_queue, payment("order-gone", payment_id="p-9"))

    letters = list_dead_letters(payments_queue.sqs, payments_queue.dlq.url)

    assert [letter.message_id for letter in letters] == ids
    [letter] = letters
    assert letter.receive_count >= MAX_RECEIVE_COUNT
    assert letter.summary == {
        "type": "PAYMENT_COMPLETED",
        "order_id": "order-gone",
        "payment_id": "p-9",
    }
    assert letter.reason.startswith("payments consumer: a valid PAYMENT_COMPLETED")
    again = list_dead_letters(payments_queue.sqs, payments_queue.dlq.url)
    assert [letter.message_id for letter in again] == ids


def test_list_gives_a_payments_dead_letter_the_reason_its_body_earned_from_the_consumer(
    service: Service, payments_queue: QueueWithDlq, logs: Logs
) -> None:
    cancelled = service.place(ALICE, currency="EUR", lines=[a_line()]).id
    service.cancel(ALICE, cancelled)
    pending = service.place(ALICE, currency="EUR", lines=[a_line()]).id  # 10.00 EUR
    refused_for_its_body = dead_letter_payments(
        service,
        payments_queue,
        "{broken",
        json.dumps(["a", "list"]),
        payment("order-1", type="PAYMENT_REFUNDED"),
        payment("order-1", amount="ten", note="an unknown field"),
        payment("not an id!", completed_at=None),
    )
    refused_for_its_order = dead_letter_payments(
        service,
        payments_queue,
        payment("order-nobody-placed"),
        payment(cancelled),
        payment(pending, amount=999),
    )
    logged = {line["message_id"]: line for line in logs.lines("message rejected")}

    letters = {
        letter.message_id: letter
        for letter in list_dead_letters(payments_queue.sqs, payments_queue.dlq.url)
    }

    assert set(letters) == {*refused_for_its_body, *refused_for_its_order}
    for message_id in refused_for_its_body:  # word for word what the consumer logged
        line = logged[message_id]
        expected = f"payments consumer refuses it: {line['reason']}: {line['detail']}"
        assert letters[message_id].reason == expected
    reasons = [letters[m].reason for m in refused_for_its_body]
    assert [r.split(": ")[1] for r in reasons] == [
        "MALFORMED_MESSAGE",
        "MALFORMED_MESSAGE",
        "UNKNOWN_MESSAGE_TYPE",
        "MALFORMED_MESSAGE",
        "MALFORMED_MESSAGE",
    ]
    assert "amount: int_parsing" in reasons[3]
    assert "note: extra_forbidden" in reasons[3]
    assert "order_id: string_pattern_mismatch" in reasons[4]
    assert "completed_at: missing" in reasons[4]
    for message_id in refused_for_its_order:  # the reason is in the log line it points at
        letter = letters[message_id]
        assert letter.reason.startswith("payments consumer: a valid PAYMENT_COMPLETED")
        assert f"message_id={message_id} " in letter.reason
        assert f"ApproximateReceiveCount={letter.receive_count}," in letter.reason
    assert [logged[m]["reason"] for m in refused_for_its_order] == [
        "ORDER_NOT_FOUND",
        "ILLEGAL_TRANSITION",
        "PAYMENT_MISMATCH",
    ]


def test_list_reads_the_reasons_eventbridge_and_lambda_record(
    payments_queue: QueueWithDlq,
) -> None:
    sqs, dlq = payments_queue.sqs, payments_queue.dlq.url
    sqs.send_message(
        QueueUrl=dlq,
        MessageBody=json.dumps(shipment("order-7")),
        MessageAttributes={
            "ERROR_CODE": {"DataType": "String", "StringValue": "SDK_CLIENT_ERROR"},
            "ERROR_MESSAGE": {"DataType": "String", "StringValue": "Lambda throttled"},
        },
    )
    failure_record = {
        "requestContext": {"condition": "RetriesExhausted", "approximateInvokeCount": 3},
        "requestPayload": shipment("order-8", "SHIPMENT_DELIVERED"),
        "responsePayload": {"errorMessage": "event e-1: ILLEGAL_TRANSITION: ..."},
    }
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(failure_record))

    letters = sorted(list_dead_letters(sqs, dlq), key=lambda letter: letter.summary["order_id"])

    assert [letter.reason for letter in letters] == [
        "EventBridge: SDK_CLIENT_ERROR Lambda throttled",
        "Lambda: RetriesExhausted event e-1: ILLEGAL_TRANSITION: ...",
    ]
    assert letters[1].summary["detail-type"] == "SHIPMENT_DELIVERED"


def test_redrive_puts_the_messages_back_and_a_second_redrive_does_no_harm(
    service: Service, payments_queue: QueueWithDlq
) -> None:
    order_id = service.place(ALICE, currency="EUR", lines=[a_line()]).id
    assert isinstance(service.store, FlakyStore)
    service.store.fail_next_writes(MAX_RECEIVE_COUNT)  # the store is down for a while
    [dead] = dead_letter_payments(service, payments_queue, payment(order_id))

    first = redrive(payments_queue.sqs, payments_queue.dlq.url)
    second = redrive(payments_queue.sqs, payments_queue.dlq.url)

    assert (first.moved, first.failed, first.target) == ([dead], {}, payments_queue.source.url)
    assert (second.moved, second.failed) == ([], {})
    back = receive(payments_queue.sqs, payments_queue.source.url)
    assert len(back) == 1
    assert back[0]["MessageAttributes"][REDRIVE_ATTRIBUTE]["StringValue"] == dead
    payments_queue.sqs.change_message_visibility(
        QueueUrl=payments_queue.source.url,
        ReceiptHandle=back[0]["ReceiptHandle"],
        VisibilityTimeout=0,
    )
    payments_queue.poll(lambda event, _context: process_batch(event, service.mark_paid))
    assert service.get(STAFF, order_id).status is OrderStatus.PAID
    assert len(service.store.events_for(OrderId(order_id))) == 2


def test_redrive_without_a_source_queue_needs_a_target(payments_queue: QueueWithDlq) -> None:
    sqs = payments_queue.sqs
    orphan = make_queue(sqs, unique("orphan-dlq"))
    sqs.send_message(QueueUrl=orphan.url, MessageBody="{}")
    try:
        with pytest.raises(DlqError, match="name the target with --to"):
            redrive(sqs, orphan.url)
        result = redrive(sqs, orphan.url, to=payments_queue.source.url)
        assert len(result.moved) == 1
    finally:
        sqs.delete_queue(QueueUrl=orphan.url)


def test_the_command_lists_and_redrives_by_queue_name(
    service: Service, payments_queue: QueueWithDlq, moto_endpoint: str
) -> None:
    [dead] = dead_letter_payments(service, payments_queue, "{broken")
    dlq_name = payments_queue.dlq.url.rsplit("/", 1)[1]
    common = [dlq_name, "--endpoint-url", moto_endpoint]

    listing = io.StringIO()
    assert run(parser().parse_args(["dlq", "list", *common]), listing) == 0
    moving = io.StringIO()
    assert run(parser().parse_args(["dlq", "redrive", *common]), moving) == 0

    assert dead in listing.getvalue()
    assert "not a JSON object" in listing.getvalue()
    assert "reason: payments consumer refuses it: MALFORMED_MESSAGE: not JSON" in (
        listing.getvalue()
    )
    assert moving.getvalue() == f"moved 1 message(s) to {payments_queue.source.url}\n"


def test_the_command_says_when_a_queue_does_not_exist(moto_endpoint: str) -> None:
    out = io.StringIO()
    arguments = parser().parse_args(
        ["dlq", "list", "no-such-queue", "--endpoint-url", moto_endpoint]
    )

    assert run(arguments, out) == 2
    assert out.getvalue() == "orders dlq: no queue named 'no-such-queue'\n"


def test_native_redrive_starts_a_move_task_from_the_dlq() -> None:
    client = boto3.session.Session("k", "k", region_name="us-east-1").client("sqs")
    dlq_url = "https://sqs.us-east-1.amazonaws.com/123456789012/payments-dlq"
    arn = "arn:aws:sqs:us-east-1:123456789012:payments-dlq"
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_queue_attributes",
            {"Attributes": {"QueueArn": arn}},
            {"QueueUrl": dlq_url, "AttributeNames": ["QueueArn"]},
        )
        stubber.add_response(
            "start_message_move_task", {"TaskHandle": "task-1"}, {"SourceArn": arn}
        )
        assert redrive_natively(client, dlq_url) == "task-1"
        stubber.assert_no_pending_responses()
