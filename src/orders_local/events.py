"""The event flow on one machine: follow the SQLite store's outbox, feed payments and
shipments into the real consumers.

In AWS the table's stream drives the publisher; locally the SQLite store's ``events`` table
is the outbox. :class:`OutboxFollower` reads the rows written since its checkpoint (kept in a
file next to the database, so a restart resumes rather than replays) and hands their events
to a publisher: :class:`PrintingPublisher` writes them out, an ``EventBridgePublisher`` on a
local endpoint puts them on a bus. The checkpoint moves past an event only once it has been
published, so what fails is offered again on the next poll (at least once, as in AWS).

:func:`feed_payment` and :func:`feed_shipment` run the payments and shipments entrypoints
on the event shapes SQS and EventBridge would hand them, through the process's container
(configure it first, e.g. with the local workspace).

Commands (see :func:`register`): ``orders events follow``, ``orders events pay ORDER_ID``,
``orders events ship ORDER_ID [--delivered]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, redirect_stdout, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

from orders_adapters.sqlite import events_after, last_event_position
from orders_core import EventPublisher, OrderEvent, PublishResult

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

    from orders_local.workspace import Workspace

CHECKPOINT_SUFFIX: Final = ".outbox-checkpoint"
BATCH_SIZE: Final = 100
SOURCE: Final = "orders"


# -- the outbox ----------------------------------------------------------------------------


def envelope(event: OrderEvent) -> dict[str, Any]:
    """The event as an EventBridge rule target would receive it (the parts we set)."""
    return {
        "source": SOURCE,
        "detail-type": event.type.value,
        "time": event.occurred_at.isoformat(),
        "detail": event.to_record(),
    }


class PrintingPublisher:
    """An EventPublisher that writes each event out: one line, or the JSON envelope."""

    def __init__(self, out: TextIO = sys.stdout, *, as_json: bool = False) -> None:
        self._out, self._as_json = out, as_json
        self._lock = threading.Lock()

    def publish(self, events: Sequence[OrderEvent]) -> PublishResult:
        with self._lock:
            for event in events:
                self._out.write(f"{self._line(event)}\n")
            self._out.flush()
        return PublishResult(published=tuple(events), failed=())

    def _line(self, event: OrderEvent) -> str:
        if self._as_json:
            return json.dumps(envelope(event), sort_keys=True)
        why = "" if event.reason is None else f"  reason {event.reason.value}"
        return (
            f"event {event.type.value:<14} order {event.order_id} v{event.order_version}"
            f"  status {event.order.get('status')}{why}  id {event.event_id}"
        )


class OutboxFollower:
    """Publishes the SQLite outbox from a checkpoint on; see the module docstring."""

    def __init__(
        self,
        db: Path,
        publisher: EventPublisher,
        *,
        checkpoint: Path | None = None,
        start: int | None = None,
    ) -> None:
        """``start``: keep the position in memory, from that row on, and never touch the
        checkpoint file (a viewer such as ``orders events follow`` must not move the
        publisher's place in the outbox)."""
        self.db = db
        self.publisher = publisher
        self.checkpoint = checkpoint or db.with_name(db.name + CHECKPOINT_SUFFIX)
        self._held = start

    def position(self) -> int:
        if self._held is not None:
            return self._held
        try:
            return int(self.checkpoint.read_text(encoding="ascii").strip() or 0)
        except FileNotFoundError:
            return 0

    def _save(self, position: int) -> None:
        if self._held is not None:
            self._held = position
            return
        temporary = self.checkpoint.with_name(self.checkpoint.name + ".tmp")
        temporary.write_text(f"{position}\n", encoding="ascii")
        temporary.replace(self.checkpoint)

    def poll(self) -> int:
        """Publish one batch of new events; how many were published."""
        batch = events_after(self.db, self.position(), BATCH_SIZE)
        if not batch:
            return 0
        result = self.publisher.publish([event for _, event in batch])
        failed = {f.event.event_id for f in result.failed}
        # Up to the first failure only: the outbox keeps its order, as a stream shard does.
        done = 0
        for position, event in batch:
            if event.event_id in failed:
                break
            done = position
        if done:
            self._save(done)
        return len(batch) - len(failed)

    def run(
        self, stop: threading.Event, *, interval: float = 0.5, max_polls: int | None = None
    ) -> None:
        """Poll until ``stop`` is set (or ``max_polls`` polls have run)."""
        polls = 0
        while not stop.is_set() and (max_polls is None or polls < max_polls):
            polls += 1
            if not self.poll():
                stop.wait(interval)

    def start(self, *, interval: float = 0.5) -> tuple[threading.Thread, threading.Event]:
        """Run in a daemon thread (e.g. inside ``orders serve``); set the event to stop it."""
        stop = threading.Event()
        thread = threading.Thread(
            target=self.run,
            args=(stop,),
            kwargs={"interval": interval},
            daemon=True,
            name="orders-outbox",
        )
        thread.start()
        return thread, stop


def _json_ready(value: object) -> object:
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value


def stream_event(records: Sequence[Mapping[str, Any]], stream_arn: str) -> dict[str, Any]:
    """The Lambda event a stream's event source mapping builds from GetRecords' records."""
    built: list[Any] = [_json_ready(dict(record)) for record in records]
    return {"Records": [{**record, "eventSourceARN": stream_arn} for record in built]}


class StreamFollower:
    """Runs the publisher entrypoint's logic on a DynamoDB table's stream at a local
    endpoint (moto, DynamoDB Local), as Lambda's event source mapping would: per shard, from
    where it stopped, restarting at the lowest record the publisher reported failed."""

    def __init__(
        self,
        dynamodb: DynamoDBClient,
        streams: DynamoDBStreamsClient,
        table: str,
        publisher: EventPublisher,
    ) -> None:
        self.streams = streams
        self.publisher = publisher
        self.arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        self._after: dict[str, str] = {}

    def _iterator(self, shard: str) -> str:
        after = self._after.get(shard)
        if after is None:
            answer = self.streams.get_shard_iterator(
                StreamArn=self.arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
            )
        else:
            answer = self.streams.get_shard_iterator(
                StreamArn=self.arn,
                ShardId=shard,
                ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                SequenceNumber=after,
            )
        return answer["ShardIterator"]

    def _shards(self) -> list[str]:
        description = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]
        return [shard["ShardId"] for shard in description.get("Shards", [])]

    def skip_to_now(self) -> None:
        """Start after what the stream holds now (no replay of older records)."""
        for shard in self._shards():
            for _ in range(1000):  # bounded: a local stream holds at most a day of writes
                records = self.streams.get_records(ShardIterator=self._iterator(shard))
                if not records["Records"]:
                    break
                self._after[shard] = records["Records"][-1]["dynamodb"]["SequenceNumber"]

    def poll(self) -> int:
        """One pass over the shards; how many records were handed to the publisher."""
        from orders_lambda.outbox import publish_records

        handed = 0
        for shard in self._shards():
            records = self.streams.get_records(ShardIterator=self._iterator(shard))["Records"]
            if not records:
                continue
            handed += len(records)
            answer = publish_records(stream_event(records, self.arn), self.publisher)
            failed = [int(item["itemIdentifier"]) for item in answer["batchItemFailures"]]
            last = records[-1]["dynamodb"].get("SequenceNumber", "0")
            self._after[shard] = str(min(failed) - 1) if failed else last
        return handed


# -- feeding the consumers -----------------------------------------------------------------


def payment_message(order_id: str, *, amount: int, currency: str) -> str:
    """A PAYMENT_COMPLETED body as the payments service would send it."""
    from orders_lambda.consumers.payments import PaymentCompleted

    return PaymentCompleted(
        type="PAYMENT_COMPLETED",
        payment_id=f"local-{uuid.uuid4().hex[:12]}",
        order_id=order_id,
        amount=amount,
        currency=currency,
        completed_at=datetime.now(UTC),
    ).model_dump_json()


def _order_total(order_id: str) -> tuple[int, str]:
    """The order's total in minor units and its currency (what its payment should take);
    (0, "EUR") when there is no such order, so the consumer refuses the payment itself."""
    from orders_core import OrdersError, Principal
    from orders_lambda import bootstrap

    try:
        order = bootstrap.container().get_order()(Principal.staff("local:events"), order_id)
    except OrdersError:
        return 0, "EUR"
    return order.total.minor_units, order.total.currency


def feed_payment(
    order_id: str, *, amount: int | None = None, currency: str | None = None
) -> dict[str, Any]:
    """Run the payments entrypoint on a one-message SQS batch; its partial-batch response.

    The payment takes the order's total unless ``amount`` (minor units) or ``currency`` say
    otherwise, e.g. to see a mismatched payment refused."""
    from orders_lambda.entrypoints import payments
    from orders_local.context import LocalLambdaContext

    if amount is None or currency is None:
        total, total_currency = _order_total(order_id)
        amount = total if amount is None else amount
        currency = total_currency if currency is None else currency

    message_id = str(uuid.uuid4())
    event = {
        "Records": [
            {
                "messageId": message_id,
                "receiptHandle": message_id,
                "body": payment_message(order_id, amount=amount, currency=currency),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:local:000000000000:payments",
                "awsRegion": "local",
            }
        ]
    }
    return payments.handler(event, LocalLambdaContext("payments"))


def feed_shipment(order_id: str, *, delivered: bool = False) -> dict[str, Any]:
    """Run the shipments entrypoint on one EventBridge event; ShipmentRejected if refused."""
    from orders_lambda.entrypoints import shipments
    from orders_local.context import LocalLambdaContext

    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "SHIPMENT_DELIVERED" if delivered else "SHIPMENT_DISPATCHED",
        "source": "shipments",
        "time": datetime.now(UTC).isoformat(),
        "detail": {
            "shipment_id": f"local-{uuid.uuid4().hex[:12]}",
            "order_id": order_id,
            "occurred_at": datetime.now(UTC).isoformat(),
        },
    }
    return shipments.handler(event, LocalLambdaContext("shipments"))


# -- the command ---------------------------------------------------------------------------


def order_id_argument(text: str) -> str:
    """An order id as the command line gives it; refused before any consumer runs, as the
    consumers' message schemas would refuse it (MALFORMED_MESSAGE)."""
    from orders_core import ORDER_ID_PATTERN

    if not ORDER_ID_PATTERN.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an order id (1 to 64 letters, digits, '_' or '-'; "
            "POST /orders answers with one)"
        )
    return text


def register(subparsers: Any) -> None:
    """Add ``events follow|pay|ship`` to an argparse subparsers object."""
    from orders_local.workspace import DEFAULT_DB

    events = subparsers.add_parser(
        "events",
        help="watch the outbox and feed payment and shipment events locally",
        description="The event flow on this machine, on the same store as orders serve: "
        "watch the order events as they are written, and feed the payments and shipments "
        "consumers the messages the other services would send.",
    )
    events.set_defaults(run=run)
    actions = events.add_subparsers(
        dest="events_action", required=True, metavar="ACTION", help="what to do"
    )
    follow = actions.add_parser(
        "follow",
        help="print order events as they are written",
        description="Print each order event as it is written to the store (Ctrl+C stops). "
        "A viewer only: it keeps no position of its own and never moves the one the "
        "publisher of `orders serve --events` keeps, so both can run at once.",
    )
    follow.add_argument(
        "--json", action="store_true", help="print each event as the EventBridge envelope"
    )
    follow.add_argument(
        "--from-start",
        action="store_true",
        help="first print every event the store holds, oldest first (default: only new ones)",
    )
    pay = actions.add_parser(
        "pay",
        help="feed PAYMENT_COMPLETED for an order",
        description="Run the payments consumer on a PAYMENT_COMPLETED message for ORDER_ID, "
        "as the payments queue would deliver it; says whether the order changed or why the "
        "message was refused.",
    )
    pay.add_argument("order_id", metavar="ORDER_ID", type=order_id_argument, help="the order")
    pay.add_argument(
        "--amount", type=int, help="minor units (default: the order's total, as a payment takes)"
    )
    pay.add_argument("--currency", help="ISO 4217 code (default: the order's currency)")
    ship = actions.add_parser(
        "ship",
        help="feed SHIPMENT_DISPATCHED (or --delivered) for an order",
        description="Run the shipments consumer on a SHIPMENT_DISPATCHED event for ORDER_ID "
        "(SHIPMENT_DELIVERED with --delivered), as the shipments bus would deliver it; says "
        "whether the order changed or why the event was refused.",
    )
    ship.add_argument("order_id", metavar="ORDER_ID", type=order_id_argument, help="the order")
    ship.add_argument(
        "--delivered",
        action="store_true",
        help="send SHIPMENT_DELIVERED instead: the shipped order reached its customer",
    )
    for action in (follow, pay, ship):
        action.add_argument(
            "--db",
            type=Path,
            default=DEFAULT_DB,
            metavar="FILE",
            help=f"the SQLite file of orders serve (default: {DEFAULT_DB})",
        )
        action.add_argument(
            "--dynamodb-endpoint", metavar="URL", help="the DynamoDB endpoint of orders serve"
        )


def follow(
    workspace: Workspace,
    publisher: EventPublisher,
    stop: threading.Event,
    *,
    from_start: bool = False,
    checkpoint: bool = True,
    ready: threading.Event | None = None,
) -> None:
    """Publish the order events of the workspace's store as they are written, until
    ``stop`` is set: the SQLite outbox, or a DynamoDB endpoint's stream.

    On SQLite, ``checkpoint`` resumes from the publisher's checkpoint file and moves it (the
    publisher of ``orders serve --events``); without it the position is held in memory and
    starts at the newest event (a viewer). ``from_start`` starts at the first event, in
    memory, and leaves the checkpoint file alone either way. ``ready`` is set once the
    starting point is fixed: a write after that is published (on DynamoDB, without
    ``from_start``, the stream's older records are skipped)."""
    if workspace.dynamodb_endpoint is None:
        from orders_adapters.sqlite import SqliteOrderRepository

        SqliteOrderRepository(workspace.db).close()  # creates or migrates the file first
        start = 0 if from_start else None if checkpoint else last_event_position(workspace.db)
        follower = OutboxFollower(workspace.db, publisher, start=start)
        if ready is not None:
            ready.set()
        follower.run(stop)
        return
    import boto3

    from orders_adapters.dynamodb import make_dynamodb_client
    from orders_local.workspace import ORDERS_TABLE_NAME

    streams = boto3.session.Session().client(
        "dynamodbstreams", endpoint_url=workspace.dynamodb_endpoint
    )
    dynamodb = make_dynamodb_client(endpoint_url=workspace.dynamodb_endpoint)
    stream = StreamFollower(dynamodb, streams, ORDERS_TABLE_NAME, publisher)
    if not from_start:
        stream.skip_to_now()
    if ready is not None:
        ready.set()
    while not stop.is_set():
        if not stream.poll():
            stop.wait(0.5)


@dataclass(frozen=True, slots=True)
class ConsumerOutcome:
    """What a consumer logged about one message: applied (``changed`` or not) or rejected
    with ``reason`` and ``detail``."""

    changed: bool = False
    reason: str | None = None
    detail: str = ""


class _OutcomeLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.outcomes: list[ConsumerOutcome] = []

    def emit(self, record: logging.LogRecord) -> None:
        # The consumers' "message applied/rejected" lines carry these fields as extras.
        if getattr(record, "consumer", None) is None:
            return
        reason = getattr(record, "reason", None)
        if reason is not None:
            self.outcomes.append(ConsumerOutcome(reason=str(reason), detail=str(record.detail)))  # type: ignore[attr-defined]
        elif hasattr(record, "changed"):
            self.outcomes.append(ConsumerOutcome(changed=bool(record.changed)))


@contextmanager
def consumer_outcomes() -> Iterator[list[ConsumerOutcome]]:
    """The outcome of each message the consumers handle meanwhile, read from their log lines
    (the entrypoints answer SQS and EventBridge, which need no reason; a person does)."""
    from orders_lambda import bootstrap, observability

    bootstrap.container()  # names the consumers' logger as their first invocation would
    log = logging.getLogger(observability.logger().name)
    handler = _OutcomeLog()
    log.addHandler(handler)
    try:
        yield handler.outcomes
    finally:
        log.removeHandler(handler)


_MESSAGE_OF: Final = {
    "pay": "PAYMENT_COMPLETED",
    "ship": "SHIPMENT_DISPATCHED",
    "deliver": "SHIPMENT_DELIVERED",
}


def _describe(order_id: str, outcomes: Sequence[ConsumerOutcome], action: str) -> tuple[int, str]:
    from orders_core import OrdersError, Principal
    from orders_lambda import bootstrap

    if not outcomes:
        return 1, f"refused: the consumer reported nothing for order {order_id}"
    outcome = outcomes[-1]
    if outcome.reason is not None:
        return 1, f"refused: {outcome.reason}: {outcome.detail}"
    try:
        order = bootstrap.container().get_order()(Principal.staff("local:events"), order_id)
        state = f"{order.status.value} (version {order.version})"
    except OrdersError:
        state = "gone"
    if outcome.changed:
        return 0, f"applied: order {order_id} is now {state}"
    return 0, (
        f"no change: order {order_id} is already {state}; a repeated or late "
        f"{_MESSAGE_OF[action]} changes nothing"
    )


def run(arguments: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Carry out a parsed ``orders events ...`` command; the exit status.

    ``out`` gets the result; the consumers' own log lines and metrics go to stderr."""
    from orders_local.workspace import Workspace, checked

    workspace = checked(Workspace(db=arguments.db, dynamodb_endpoint=arguments.dynamodb_endpoint))
    workspace.activate()
    if arguments.events_action == "follow":
        publisher = PrintingPublisher(out, as_json=arguments.json)
        out.write(f"following the order events of {workspace.describe()} (Ctrl+C stops)\n")
        out.flush()
        try:
            follow(
                workspace,
                publisher,
                threading.Event(),
                from_start=arguments.from_start,
                checkpoint=False,
            )
        except KeyboardInterrupt:
            return 0
        return 0
    action = arguments.events_action
    if action == "ship" and arguments.delivered:
        action = "deliver"
    with redirect_stdout(sys.stderr), consumer_outcomes() as outcomes:
        if action == "pay":
            feed_payment(arguments.order_id, amount=arguments.amount, currency=arguments.currency)
        else:
            from orders_lambda.consumers.shipments import ShipmentRejected

            # ShipmentRejected asks Lambda to retry; its reason is in the outcome already.
            with suppress(ShipmentRejected):
                feed_shipment(arguments.order_id, delivered=action == "deliver")
        status, line = _describe(arguments.order_id, outcomes, action)
    out.write(f"{line}\n")
    return status
