"""Fixtures of the event tests: AWS resources on the session's moto server, made per test."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from orders_adapters.dynamodb import DynamoDbOrderRepository
from orders_lambda import observability
from tests.events.aws import (
    BusWithRule,
    QueueWithDlq,
    StreamReader,
    bus_with_rule,
    drop_bus,
    drop_queues,
    events_client,
    queue_with_dlq,
    sqs_client,
    streams_client,
)
from tests.support.fakes import SteppingClock

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sqs import SQSClient

CURSOR_KEY = b"events-tests-cursor-key-0123456789abcdef"
SOURCE = "orders"


@pytest.fixture(scope="session")
def sqs(moto_endpoint: str) -> SQSClient:
    return sqs_client(moto_endpoint)


@pytest.fixture(scope="session")
def eventbridge(moto_endpoint: str) -> EventBridgeClient:
    return events_client(moto_endpoint)


@pytest.fixture
def payments_queue(sqs: SQSClient) -> Iterator[QueueWithDlq]:
    queues = queue_with_dlq(sqs)
    yield queues
    drop_queues(sqs, queues.source, queues.dlq)


@pytest.fixture
def bus(eventbridge: EventBridgeClient, sqs: SQSClient) -> Iterator[BusWithRule]:
    wiring = bus_with_rule(eventbridge, sqs, SOURCE)
    yield wiring
    drop_bus(wiring)


@pytest.fixture
def dynamodb_repo(dynamodb_client: DynamoDBClient, orders_table: str) -> DynamoDbOrderRepository:
    return DynamoDbOrderRepository(
        dynamodb_client, orders_table, cursor_key=CURSOR_KEY, clock=SteppingClock()
    )


@pytest.fixture
def stream(dynamodb_client: DynamoDBClient, orders_table: str, moto_endpoint: str) -> StreamReader:
    return StreamReader(dynamodb_client, streams_client(moto_endpoint), orders_table)


@dataclass(frozen=True, slots=True)
class Logs:
    """What the Powertools logger wrote during a test."""

    stream: io.StringIO

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self, message: str) -> list[dict[str, Any]]:
        parsed = [json.loads(line) for line in self.text.splitlines() if line.startswith("{")]
        return [line for line in parsed if line.get("message") == message]


@pytest.fixture
def logs() -> Iterator[Logs]:
    """The service logger's output (it keeps the stream it was made with, so swap it)."""
    handler = observability.logger().registered_handler
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield Logs(stream)
    handler.setStream(previous)
