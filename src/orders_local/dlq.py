"""``orders dlq list|redrive``: what sits in a dead-letter queue, and why; and putting it back.

The service has three kinds of dead letters, and ``list`` reads the reason each carries:

- payments queue DLQ: the original message after ``maxReceiveCount`` failed receives. SQS
  keeps no reason, so ``list`` reads the body again with the consumer's own parser
  (``parse_payment``): a body it refuses gets the very reason code and detail the consumer
  logged (``MALFORMED_MESSAGE: not JSON ...``, ``UNKNOWN_MESSAGE_TYPE``, the bad fields). A
  body that parses is a valid payment the consumer refused for its order or the store
  (unknown or cancelled order, not the order's total, store unavailable, ...), which
  depends on the order and the store at the time: ``list`` names the message id whose
  ``message rejected`` log lines carry the exact reason, with the receive count. A message
  that is neither an EventBridge nor a Lambda dead letter is read this way.
- shipments DLQ: the events EventBridge could not deliver (message attributes
  ``ERROR_CODE``/``ERROR_MESSAGE``), and Lambda's on-failure records of events the function
  rejected (``requestContext.condition``, ``responsePayload.errorMessage``).
- outbox stream DLQ: Lambda's on-failure records naming the stream batch that could not be
  published (``DDBStreamBatchInfo``); those are read again from the stream, not redriven.

``redrive`` moves messages back to their source queue (found with
ListDeadLetterSourceQueues, or named with ``--to``): receive, send, then delete, in bounded
rounds. A message seen twice in one run is sent once; a run interrupted between send and
delete sends that message again next time, which the consumers absorb (a payment already
applied changes nothing). For FIFO queues the original message id is the deduplication id,
so SQS itself drops the repeat. ``--native`` uses SQS's own message move task instead (AWS
only; it is not emulated locally).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Final, TextIO

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import (
        MessageAttributeValueOutputTypeDef,
        MessageAttributeValueTypeDef,
        MessageTypeDef,
        SendMessageBatchRequestEntryTypeDef,
    )

# Fields worth showing from a message body: ids and types, never personal data.
SUMMARY_FIELDS: Final = (
    "type",
    "detail-type",
    "source",
    "id",
    "order_id",
    "payment_id",
    "shipment_id",
    "event_id",
)
HOLD_SECONDS: Final = 60  # how long listed or moved messages stay hidden from others
MAX_ROUNDS: Final = 100  # receive calls per command, at most (10 messages each)
REDRIVE_ATTRIBUTE: Final = "orders-redriven-from"


class DlqError(RuntimeError):
    """The command cannot do what was asked (no source queue, unknown queue, ...)."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    message_id: str
    receive_count: int
    sent_at: str
    summary: dict[str, str]
    reason: str


@dataclass(slots=True)
class RedriveResult:
    target: str
    moved: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


# -- reading -------------------------------------------------------------------------------


def _body(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def summarise(body: str) -> dict[str, str]:
    """Ids and types from a body (or from the event a Lambda failure record wraps)."""
    data = _body(body)
    if not isinstance(data, dict):
        return {"body": f"not a JSON object ({len(body.encode())} bytes)"}
    wrapped = data.get("requestPayload")
    if isinstance(wrapped, dict):
        data = wrapped
    found = {key: str(data[key]) for key in SUMMARY_FIELDS if isinstance(data.get(key), str)}
    detail = data.get("detail")
    if isinstance(detail, dict):
        found |= {
            key: str(detail[key]) for key in SUMMARY_FIELDS if isinstance(detail.get(key), str)
        }
    if "DDBStreamBatchInfo" in data:
        info = data["DDBStreamBatchInfo"]
        found["stream_batch"] = (
            f"{info.get('startSequenceNumber')}..{info.get('endSequenceNumber')}"
            f" on {info.get('shardId')}"
        )
    return found


def reason(message: MessageTypeDef) -> str:
    """Why the message was dead-lettered, as far as it says."""
    attributes = {
        name: value.get("StringValue", "")
        for name, value in (message.get("MessageAttributes") or {}).items()
    }
    if "ERROR_CODE" in attributes:
        code, text = attributes["ERROR_CODE"], attributes.get("ERROR_MESSAGE", "")
        return f"EventBridge: {code} {text}".strip()
    data = _body(message["Body"])
    if isinstance(data, dict) and isinstance(data.get("requestContext"), dict):
        condition = data["requestContext"].get("condition", "")
        response = data.get("responsePayload")
        error = response.get("errorMessage", "") if isinstance(response, dict) else ""
        return f"Lambda: {condition} {error}".strip()
    return payment_reason(message)


def payment_reason(message: MessageTypeDef) -> str:
    """Why the payments consumer refused ``message``: its own verdict on the body when the
    body decides it, else where the consumer logged the reason."""
    from orders_lambda.consumers.common import MessageRejected
    from orders_lambda.consumers.payments import parse_payment
    from orders_manifest.events import PAYMENT_COMPLETED

    try:
        parse_payment(message["Body"])
    except MessageRejected as rejected:
        return f"payments consumer refuses it: {rejected.reason}: {rejected.detail}"
    receives = _system_attributes(message).get("ApproximateReceiveCount", "?")
    return (
        f"payments consumer: a valid {PAYMENT_COMPLETED}, refused for its order or the store"
        " (unknown or cancelled order, not the order's total, store unavailable, ...);"
        " the exact reason is in the consumer's 'message rejected' log lines for"
        f" message_id={message['MessageId']} (ApproximateReceiveCount={receives}, this"
        " listing's receive included)"
    )


def _system_attributes(message: MessageTypeDef) -> Mapping[str, str]:
    return {str(name): value for name, value in (message.get("Attributes") or {}).items()}


def _dead_letter(message: MessageTypeDef) -> DeadLetter:
    attributes = _system_attributes(message)
    return DeadLetter(
        message_id=message["MessageId"],
        receive_count=int(attributes.get("ApproximateReceiveCount", "0")),
        sent_at=attributes.get("SentTimestamp", ""),
        summary=summarise(message["Body"]),
        reason=reason(message),
    )


def _hold(sqs: SQSClient, queue_url: str, limit: int) -> list[MessageTypeDef]:
    """Receive up to ``limit`` distinct messages, keeping them hidden while we work."""
    held: dict[str, MessageTypeDef] = {}
    for _ in range(MAX_ROUNDS):
        if len(held) >= limit:
            break
        response = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=min(10, limit - len(held)),
            VisibilityTimeout=HOLD_SECONDS,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            break
        for message in messages:
            held.setdefault(message["MessageId"], message)
    return list(held.values())


def _release(sqs: SQSClient, queue_url: str, messages: Sequence[MessageTypeDef]) -> None:
    for message in messages:
        sqs.change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )


def list_dead_letters(sqs: SQSClient, queue_url: str, *, limit: int = 50) -> list[DeadLetter]:
    """Up to ``limit`` messages of the queue, left in it (visible again afterwards).

    Listing is a receive: each listed message's receive count goes up by one."""
    messages = _hold(sqs, queue_url, limit)
    try:
        return [_dead_letter(message) for message in messages]
    finally:
        _release(sqs, queue_url, messages)


# -- redriving -----------------------------------------------------------------------------


def source_queue(sqs: SQSClient, dlq_url: str) -> str:
    """The one queue whose redrive policy points at ``dlq_url``."""
    sources = sqs.list_dead_letter_source_queues(QueueUrl=dlq_url).get("queueUrls", [])
    if len(sources) != 1:
        found = ", ".join(sources) or "none"
        raise DlqError(f"{len(sources)} source queues ({found}); name the target with --to")
    return sources[0]


def _attributes(
    message: MessageTypeDef,
) -> dict[str, MessageAttributeValueTypeDef]:
    kept: dict[str, MessageAttributeValueTypeDef] = {}
    original: dict[str, MessageAttributeValueOutputTypeDef] = message.get("MessageAttributes", {})
    for name, value in original.items():
        copy: MessageAttributeValueTypeDef = {"DataType": value["DataType"]}
        if "StringValue" in value:
            copy["StringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            copy["BinaryValue"] = value["BinaryValue"]
        kept[name] = copy
    kept[REDRIVE_ATTRIBUTE] = {"DataType": "String", "StringValue": message["MessageId"]}
    return kept


def _entry(message: MessageTypeDef, *, fifo: bool) -> SendMessageBatchRequestEntryTypeDef:
    entry: SendMessageBatchRequestEntryTypeDef = {
        "Id": message["MessageId"].replace("-", "")[:80],
        "MessageBody": message["Body"],
        "MessageAttributes": _attributes(message),
    }
    if fifo:
        entry["MessageDeduplicationId"] = message["MessageId"]
        entry["MessageGroupId"] = _system_attributes(message).get("MessageGroupId", "redrive")
    return entry


def redrive(
    sqs: SQSClient, dlq_url: str, *, to: str | None = None, limit: int = 1000
) -> RedriveResult:
    """Move up to ``limit`` messages from ``dlq_url`` to their source queue (or ``to``)."""
    return _Redrive(sqs, dlq_url, to or source_queue(sqs, dlq_url)).run(limit)


class _Redrive:
    def __init__(self, sqs: SQSClient, dlq_url: str, target: str) -> None:
        self.sqs, self.dlq_url, self.target = sqs, dlq_url, target
        self.fifo = target.endswith(".fifo")
        self.result = RedriveResult(target)

    def run(self, limit: int) -> RedriveResult:
        seen: set[str] = set()
        for _ in range(MAX_ROUNDS):
            if len(seen) >= limit:
                break
            batch = _hold(self.sqs, self.dlq_url, min(10, limit - len(seen)))
            if not batch:
                break
            # A message already moved in this run but received again (its delete was lost)
            # is only deleted, not sent a second time.
            again = [m for m in batch if m["MessageId"] in seen]
            fresh = [m for m in batch if m["MessageId"] not in seen]
            seen.update(m["MessageId"] for m in batch)
            self._delete(again)
            if fresh:
                self._move(fresh)
        return self.result

    def _move(self, messages: list[MessageTypeDef]) -> None:
        entries = [_entry(m, fifo=self.fifo) for m in messages]
        by_entry = {entry["Id"]: m for entry, m in zip(entries, messages, strict=True)}
        response = self.sqs.send_message_batch(QueueUrl=self.target, Entries=entries)
        failed = response.get("Failed", [])
        for failure in failed:
            self.result.failed[by_entry[failure["Id"]]["MessageId"]] = failure.get("Code", "")
        sent = [by_entry[ok["Id"]] for ok in response.get("Successful", [])]
        self._delete(sent)
        self.result.moved += [m["MessageId"] for m in sent]
        _release(self.sqs, self.dlq_url, [by_entry[f["Id"]] for f in failed])

    def _delete(self, messages: list[MessageTypeDef]) -> None:
        if not messages:
            return
        response = self.sqs.delete_message_batch(
            QueueUrl=self.dlq_url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)
            ],
        )
        for failure in response.get("Failed", []):
            message_id = messages[int(failure["Id"])]["MessageId"]
            self.result.failed[message_id] = f"sent, not deleted: {failure.get('Code', '')}"


def redrive_natively(sqs: SQSClient, dlq_url: str, *, to: str | None = None) -> str:
    """Start SQS's own move task from the DLQ (to its sources, or to ``to``); its handle."""
    dlq_arn = _arn(sqs, dlq_url)
    if to is None:
        return sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    return sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=_arn(sqs, to))[
        "TaskHandle"
    ]


def _arn(sqs: SQSClient, queue_url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return attributes["Attributes"]["QueueArn"]


# -- the command ---------------------------------------------------------------------------


def make_sqs_client(endpoint_url: str | None = None, region: str | None = None) -> SQSClient:
    from orders_adapters.aws_clients import session_and_config

    session, config = session_and_config(max_attempts=4, connect_timeout=5.0, read_timeout=10.0)
    return session.client("sqs", endpoint_url=endpoint_url, region_name=region, config=config)


def queue_url(sqs: SQSClient, queue: str) -> str:
    """A queue URL as given, or the URL of the queue of that name."""
    if queue.startswith(("http://", "https://")):
        return queue
    try:
        return sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        raise DlqError(f"no queue named {queue!r}") from None


def register(subparsers: Any) -> None:
    """Add ``dlq list`` and ``dlq redrive`` to an argparse subparsers object."""
    from orders_local.arguments import positive  # the command's own argument types

    dlq = subparsers.add_parser(
        "dlq",
        help="show and redrive dead-letter queues",
        description="Show what sits in a dead-letter queue and why; move it back.",
    )
    dlq.set_defaults(run=run)
    actions = dlq.add_subparsers(
        dest="dlq_action", required=True, metavar="ACTION", help="what to do"
    )
    for name, text in (
        ("list", "show the messages of a DLQ and why they are there"),
        ("redrive", "move a DLQ's messages back to their source queue"),
    ):
        action = actions.add_parser(name, help=text, description=text)
        action.add_argument("queue", help="the DLQ's URL or name")
        action.add_argument("--endpoint-url", metavar="URL", help="SQS endpoint (moto, local)")
        action.add_argument("--region", help="AWS region (default: the environment's)")
        limit = 50 if name == "list" else 1000
        action.add_argument(
            "--max",
            type=positive,
            default=limit,
            metavar="N",
            help=f"{'show' if name == 'list' else 'move'} at most N messages (default: {limit})",
        )
        if name == "list":
            action.add_argument("--json", action="store_true", help="one JSON object a line")
        else:
            action.add_argument("--to", metavar="QUEUE", help="target queue (default: source)")
            action.add_argument(
                "--native", action="store_true", help="use SQS's message move task (AWS only)"
            )


def run(arguments: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Carry out a parsed ``orders dlq ...`` command; the exit status."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        sqs = make_sqs_client(arguments.endpoint_url, arguments.region)
        url = queue_url(sqs, arguments.queue)
        if arguments.dlq_action == "list":
            _print_list(list_dead_letters(sqs, url, limit=arguments.max), out, arguments.json)
            return 0
        target = queue_url(sqs, arguments.to) if arguments.to else None
        if arguments.native:
            out.write(f"move task started: {redrive_natively(sqs, url, to=target)}\n")
            return 0
        result = redrive(sqs, url, to=target, limit=arguments.max)
    except DlqError as exc:
        out.write(f"orders dlq: {exc}\n")
        return 2
    except (BotoCoreError, ClientError) as exc:  # no credentials, endpoint down, denied...
        out.write(f"orders dlq: SQS refused or could not be reached: {exc}\n")
        return 2
    out.write(f"moved {len(result.moved)} message(s) to {result.target}\n")
    for message_id, why in result.failed.items():
        out.write(f"  not moved: {message_id}: {why}\n")
    return 1 if result.failed else 0


def _print_list(letters: list[DeadLetter], out: TextIO, as_json: bool) -> None:  # noqa: FBT001
    if as_json:
        for letter in letters:
            out.write(json.dumps(asdict(letter), sort_keys=True) + "\n")
        return
    out.write(f"{len(letters)} message(s)\n")
    for letter in letters:
        summary = " ".join(f"{k}={v}" for k, v in letter.summary.items())
        out.write(
            f"- {letter.message_id}  receives={letter.receive_count}  {summary}\n"
            f"    reason: {letter.reason}\n"
        )


__all__ = [
    "DeadLetter",
    "DlqError",
    "RedriveResult",
    "list_dead_letters",
    "payment_reason",
    "redrive",
    "redrive_natively",
    "register",
    "run",
    "source_queue",
    "summarise",
]
