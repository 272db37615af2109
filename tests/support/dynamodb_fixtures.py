"""pytest fixtures for DynamoDB on moto servers (a plugin loaded by tests/conftest.py).

Servers are session-scoped and start only when a test asks for them; tables are per test, with
unique names, so tests never see each other's items. All fixtures run with dummy credentials.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import pytest

from orders_adapters.dynamodb import (
    DynamoDbOrderRepository,
    create_orders_table,
    make_dynamodb_client,
)
from orders_core import Order, OrderEvent, OrderId, event_log_key
from tests.support.moto_server import AWS_TEST_ENVIRONMENT, moto_server

# Generous on purpose: moto on a busy machine can be slow, and a timed-out transaction that
# botocore retries would look like a lost race, since moto ignores ClientRequestToken.
TEST_READ_TIMEOUT = 30.0

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class ContractDynamoDbStore(DynamoDbOrderRepository):
    """The repository plus ``all_events`` for the contract suite.

    It remembers the ids of the orders it was asked to write and reads their events with one
    Query each, so even this test helper needs no Scan.
    """

    def __init__(self, client: DynamoDBClient, table_name: str, *, cursor_key: bytes) -> None:
        super().__init__(client, table_name, cursor_key=cursor_key)
        self._written: dict[OrderId, None] = {}

    def add(self, order: Order, events: Sequence[OrderEvent]) -> None:
        self._written.setdefault(order.id)
        super().add(order, events)

    def save(self, order: Order, *, expected_version: int, events: Sequence[OrderEvent]) -> None:
        self._written.setdefault(order.id)
        super().save(order, expected_version=expected_version, events=events)

    def all_events(self) -> list[OrderEvent]:
        """Every event of the orders written through this store, in ``EventLog``'s order."""
        events = [e for order_id in list(self._written) for e in self.events_for(order_id)]
        return sorted(events, key=event_log_key)


@pytest.fixture(scope="session")
def aws_test_environment() -> Iterator[None]:
    """Dummy credentials and region for the session, so no client can reach real AWS."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in AWS_TEST_ENVIRONMENT.items():
            patch.setenv(name, value)
        yield


@pytest.fixture(scope="session")
def moto_endpoint(aws_test_environment: None) -> Iterator[str]:
    """URL of the stock, threaded ``moto_server``."""
    with moto_server(threaded=True) as url:
        yield url


@pytest.fixture(scope="session")
def single_threaded_moto_endpoint(aws_test_environment: None) -> Iterator[str]:
    """URL of a moto server that serves one request at a time (atomic conditional writes)."""
    with moto_server(threaded=False) as url:
        yield url


def _fresh_table(client: DynamoDBClient) -> Iterator[str]:
    name = f"orders-{uuid.uuid4().hex[:12]}"
    create_orders_table(client, name)
    yield name
    client.delete_table(TableName=name)


@pytest.fixture(scope="session")
def dynamodb_client(moto_endpoint: str) -> DynamoDBClient:
    return make_dynamodb_client(endpoint_url=moto_endpoint, read_timeout=TEST_READ_TIMEOUT)


@pytest.fixture(scope="session")
def single_threaded_dynamodb_client(single_threaded_moto_endpoint: str) -> DynamoDBClient:
    return make_dynamodb_client(
        endpoint_url=single_threaded_moto_endpoint, read_timeout=TEST_READ_TIMEOUT
    )


@pytest.fixture
def orders_table(dynamodb_client: DynamoDBClient) -> Iterator[str]:
    """A fresh, empty orders table on the threaded server, deleted afterwards."""
    yield from _fresh_table(dynamodb_client)


@pytest.fixture
def single_threaded_orders_table(single_threaded_dynamodb_client: DynamoDBClient) -> Iterator[str]:
    """A fresh, empty orders table on the single-threaded server, deleted afterwards."""
    yield from _fresh_table(single_threaded_dynamodb_client)
