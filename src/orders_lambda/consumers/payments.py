"""SQS → MarkPaid: ``PAYMENT_COMPLETED`` messages from the payments queue.

Each batch goes through Powertools' BatchProcessor and answers with a partial-batch response
(the event source mapping has ``ReportBatchItemFailures``): a malformed message, one of an
unknown type, one for an unknown or cancelled order, one whose amount or currency is not the
order's total (``PAYMENT_MISMATCH``), or one the store failed on is reported
in ``batchItemFailures``; the rest of the batch is deleted from the queue. A reported message
comes back after its visibility timeout and, after the queue's ``maxReceiveCount`` receives,
moves to the dead-letter queue, where ``orders dlq list`` shows it.

A payment for an order that is already paid (a redelivery) or further along (a late message)
succeeds without changing anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from orders_core import ORDER_ID_PATTERN, Money, Principal, Transition
from orders_lambda.consumers.common import (
    PAYMENTS_PRINCIPAL,
    UNKNOWN_TYPE,
    MessageRejected,
    apply,
    json_object,
    log_applied,
    log_rejected,
    validated,
)
from orders_manifest.events import PAYMENT_COMPLETED, PAYMENTS_CONSUMER

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

CONSUMER: Final = PAYMENTS_CONSUMER


class MarkPaidUseCase(Protocol):
    """orders_core's MarkPaid as the consumer calls it: with the amount the payment took."""

    def __call__(
        self, principal: Principal, order_id: str, *, amount: Money | None = None
    ) -> Transition: ...


class PaymentCompleted(BaseModel):
    """The payments service's message: an order's payment went through.

    Unknown fields are refused: a field we do not know may change the meaning of the ones we
    do (a partial payment, another order), so a new field is a contract change, agreed first.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["PAYMENT_COMPLETED"]
    payment_id: Annotated[str, Field(min_length=1, max_length=128)]
    order_id: Annotated[str, Field(pattern=f"^{ORDER_ID_PATTERN.pattern}$")]
    # Minor units of ``currency``, as the order's own amounts are.
    amount: Annotated[int, Field(ge=0, le=10**15)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    completed_at: AwareDatetime


def parse_payment(body: str) -> PaymentCompleted:
    """The message in an SQS body, or MessageRejected (malformed or of another type)."""
    data = json_object(body)
    kind = data.get("type")
    if kind != PAYMENT_COMPLETED:
        shown = kind if isinstance(kind, str) and len(kind) <= 64 else type(kind).__name__
        raise MessageRejected(UNKNOWN_TYPE, f"type {shown!r} is not {PAYMENT_COMPLETED}")
    return validated(PaymentCompleted, data)


def process_record(record: SQSRecord, mark_paid: MarkPaidUseCase) -> None:
    """Apply one message; raise (so the record is reported failed) when it is rejected."""
    order_id: str | None = None
    try:
        payment = parse_payment(record.body)
        order_id = payment.order_id

        def pay(principal: Principal, order_id: str) -> Transition:
            # Inside apply: an unknown currency is refused like any other domain error.
            amount = Money.from_minor(payment.amount, payment.currency)
            return mark_paid(principal, order_id, amount=amount)

        applied = apply(pay, PAYMENTS_PRINCIPAL, payment.order_id)
    except MessageRejected as rejected:
        log_rejected(CONSUMER, record.message_id, rejected, order_id)
        raise
    log_applied(CONSUMER, record.message_id, applied)


def process_batch(event: dict[str, Any], mark_paid: MarkPaidUseCase) -> dict[str, Any]:
    """The partial-batch response for one SQS event: exactly the failed messages' ids."""
    # Cold start: the batch utility loads with the first message.
    from aws_lambda_powertools.utilities.batch import (  # noqa: PLC0415
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    # A fresh processor per batch: it keeps the batch's results on itself. An all-failed
    # batch is answered like any other (every id listed) rather than raised, so the reply
    # always says exactly which messages failed.
    processor = BatchProcessor(EventType.SQS, raise_on_entire_batch_failure=False)
    response = process_partial_response(
        event=event,
        record_handler=lambda record: process_record(record, mark_paid),
        processor=processor,
    )
    return dict(response)
