"""AWS wiring for the event tests on a moto server: queues, a bus with a rule, the orders
table's stream, and the Lambda events built from what those services hand out."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import boto3

from orders_local.events import stream_event

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
    from mypy_boto3_dynamodbstreams.type_defs import RecordTypeDef
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType
    from mypy_boto3_sqs.type_defs import MessageTypeDef

REGION: Final = "us-east-1"
MAX_RECEIVE_COUNT: Final = 2
# Bounds on polling loops: moto answers at once, so a handful of rounds is plenty.
POLL_ROUNDS: Final = 20


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def session() -> boto3.session.Session:
    return boto3.session.Session(region_name=REGION)


def sqs_client(endpoint: str) -> SQSClient:
    return session().client("sqs", endpoint_url=endpoint)


def events_client(endpoint: str) -> EventBridgeClient:
    return session().client("events", endpoint_url=endpoint)


def streams_client(endpoint: str) -> DynamoDBStreamsClient:
    return session().client("dynamodbstreams", endpoint_url=endpoint)


def queue_arn(sqs: SQSClient, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return attributes["Attributes"]["QueueArn"]


@dataclass(frozen=True, slots=True)
class Queue:
    url: str
    arn: str


@dataclass(frozen=True, slots=True)
class QueueWithDlq:
    """A source queue whose messages move to ``dlq`` after MAX_RECEIVE_COUNT receives."""

    sqs: SQSClient
    source: Queue
    dlq: Queue

    def send(self, *bodies: str) -> list[str]:
        return [
            self.sqs.send_message(QueueUrl=self.source.url, MessageBody=body)["MessageId"]
            for body in bodies
        ]

    def receive(self, url: str | None = None, expected: int = 10) -> list[MessageTypeDef]:
        return receive(self.sqs, url or self.source.url, expected)

    def delete(self, messages: Sequence[MessageTypeDef], url: str | None = None) -> None:
        for message in messages:
            self.sqs.delete_message(
                QueueUrl=url or self.source.url, ReceiptHandle=message["ReceiptHandle"]
            )

    def poll(self, handler: Callable[[dict[str, Any], Any], dict[str, Any]]) -> list[str]:
        """One poll of the event source mapping: receive a batch, run ``handler`` on it,
        delete what it did not report failed. The reported message ids."""
        messages = receive(self.sqs, self.source.url)
        if not messages:
            return []
        answer = handler(sqs_event(messages, self.source.arn), None)
        failed = [str(item["itemIdentifier"]) for item in answer["batchItemFailures"]]
        self.delete([m for m in messages if m["MessageId"] not in failed])
        for message in messages:
            if message["MessageId"] in failed:
                # What the visibility timeout would do, without waiting for it.
                self.sqs.change_message_visibility(
                    QueueUrl=self.source.url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=0,
                )
        return failed


def make_queue(
    sqs: SQSClient, name: str, attributes: Mapping[QueueAttributeNameType, str] | None = None
) -> Queue:
    url = sqs.create_queue(QueueName=name, Attributes=attributes or {})["QueueUrl"]
    return Queue(url, queue_arn(sqs, url))


def queue_with_dlq(sqs: SQSClient) -> QueueWithDlq:
    name = unique("payments")
    dlq = make_queue(sqs, f"{name}-dlq")
    policy = json.dumps({"deadLetterTargetArn": dlq.arn, "maxReceiveCount": MAX_RECEIVE_COUNT})
    source = make_queue(sqs, name, {"RedrivePolicy": policy})
    return QueueWithDlq(sqs, source, dlq)


def drop_queues(sqs: SQSClient, *queues: Queue) -> None:
    for queue in queues:
        sqs.delete_queue(QueueUrl=queue.url)


def receive(sqs: SQSClient, url: str, expected: int = 10) -> list[MessageTypeDef]:
    """Up to ``expected`` messages (at most 10), polling a bounded number of times."""
    found: list[MessageTypeDef] = []
    for _ in range(POLL_ROUNDS):
        response = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, expected - len(found)),
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        found += response.get("Messages", [])
        if len(found) >= min(expected, 10) or not response.get("Messages"):
            break
    return found


def sqs_event(messages: Sequence[MessageTypeDef], source_arn: str) -> dict[str, Any]:
    """The Lambda SQS event that an event source mapping builds from received messages."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": dict(message.get("Attributes", {})),
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": source_arn,
                "awsRegion": REGION,
            }
            for message in messages
        ]
    }


# -- EventBridge ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BusWithRule:
    """A bus whose rule (source ``orders``) sends every event to ``target``."""

    events: EventBridgeClient
    sqs: SQSClient
    bus: str
    rule: str
    target: Queue

    def received(self) -> list[dict[str, Any]]:
        """Everything the rule's queue holds now (taken off it), polling a bounded time."""
        bodies: list[dict[str, Any]] = []
        for _ in range(POLL_ROUNDS):
            messages = receive(self.sqs, self.target.url)
            if not messages:
                break
            for message in messages:
                self.sqs.delete_message(
                    QueueUrl=self.target.url, ReceiptHandle=message["ReceiptHandle"]
                )
            bodies += [json.loads(message["Body"]) for message in messages]
        return bodies


def bus_with_rule(events: EventBridgeClient, sqs: SQSClient, source: str) -> BusWithRule:
    name = unique("orders-bus")
    events.create_event_bus(Name=name)
    target = make_queue(sqs, f"{name}-target")
    pattern = json.dumps({"source": [source]})
    events.put_rule(Name=name, EventBusName=name, EventPattern=pattern)
    events.put_targets(Rule=name, EventBusName=name, Targets=[{"Id": "q", "Arn": target.arn}])
    return BusWithRule(events, sqs, name, name, target)


def drop_bus(wiring: BusWithRule) -> None:
    wiring.events.remove_targets(Rule=wiring.rule, EventBusName=wiring.bus, Ids=["q"])
    wiring.events.delete_rule(Name=wiring.rule, EventBusName=wiring.bus)
    wiring.events.delete_event_bus(Name=wiring.bus)
    wiring.sqs.delete_queue(QueueUrl=wiring.target.url)


# -- the table's stream --------------------------------------------------------------------


class StreamReader:
    """Reads the orders table's stream from where it last stopped (one shard: moto's)."""

    def __init__(self, dynamodb: DynamoDBClient, streams: DynamoDBStreamsClient, table: str):
        self.streams = streams
        self.arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        self._after: str | None = None

    def _iterator(self) -> str:
        shards = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        shard = shards[0]["ShardId"]
        if self._after is None:
            return self.streams.get_shard_iterator(
                StreamArn=self.arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
        return self.streams.get_shard_iterator(
            StreamArn=self.arn,
            ShardId=shard,
            ShardIteratorType="AFTER_SEQUENCE_NUMBER",
            SequenceNumber=self._after,
        )["ShardIterator"]

    def new_records(self) -> list[RecordTypeDef]:
        records = self.streams.get_records(ShardIterator=self._iterator())["Records"]
        if records:
            self._after = records[-1]["dynamodb"]["SequenceNumber"]
        return records

    def rewind_to(self, sequence_number: str) -> None:
        """Read again from ``sequence_number`` on (Lambda's answer to a reported failure)."""
        self._after = str(int(sequence_number) - 1)

    def lambda_event(self, records: Sequence[RecordTypeDef]) -> dict[str, Any]:
        """The Lambda DynamoDB stream event an event source mapping builds from ``records``."""
        return stream_event(records, self.arn)

    def deliver(self, handler: Callable[[dict[str, Any], Any], dict[str, Any]]) -> Delivery:
        """One poll of the event source mapping: the new records to ``handler``. On reported
        failures it rewinds to the lowest one, and when the function raises, to the batch's
        first record, as Lambda does."""
        records = self.new_records()
        if not records:
            return Delivery(0, [], crashed=False)
        try:
            answer = handler(self.lambda_event(records), None)
        except Exception:  # noqa: BLE001 - a crashed invocation, as Lambda sees one
            self.rewind_to(records[0]["dynamodb"]["SequenceNumber"])
            return Delivery(len(records), [], crashed=True)
        failed = [str(item["itemIdentifier"]) for item in answer["batchItemFailures"]]
        if failed:
            self.rewind_to(min(failed, key=int))
        return Delivery(len(records), failed, crashed=False)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one poll of the stream did: how many records, which were reported failed."""

    records: int
    failed: list[str]
    crashed: bool
