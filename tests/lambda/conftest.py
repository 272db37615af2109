"""Handler tests: real entrypoints on API Gateway REST proxy events, through a container whose
stores are the in-memory ones and whose clock and ids are deterministic."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from dependency_injector import providers

from orders_adapters.dynamodb import create_orders_table
from orders_adapters.memory import InMemoryOrderRepository
from orders_adapters.table_definition import IDEMPOTENCY_TABLE
from orders_lambda import bootstrap
from orders_lambda import container as containers
from orders_lambda.http.idempotency_store import SqliteIdempotencyStore
from orders_lambda.settings import Settings, load_settings
from tests.support.apigw import NEW_ORDER, Answer, Call, FakeLambdaContext, invoke, rest_event
from tests.support.fakes import SequentialIds, SteppingClock

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

CURSOR_KEY = "lambda-tests-cursor-key-0123456789abcdef"


@pytest.fixture(autouse=True)
def _quiet_empty_metrics() -> Iterator[None]:
    # Powertools warns on every invocation that published no business metric (reads, 4xx).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        yield


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """An environment with only the variables set here."""
    for name in list(os.environ):
        if name.startswith(("ORDERS_", "POWERTOOLS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ORDERS_STORE", "memory")
    monkeypatch.setenv("ORDERS_CURSOR_KEY", CURSOR_KEY)
    return monkeypatch


@pytest.fixture
def settings(environment: pytest.MonkeyPatch) -> Settings:
    return load_settings()


@pytest.fixture
def repo() -> InMemoryOrderRepository:
    return InMemoryOrderRepository(CURSOR_KEY.encode())


@pytest.fixture
def idempotency_store() -> Iterator[SqliteIdempotencyStore]:
    store = SqliteIdempotencyStore(":memory:")
    yield store
    store.close()


@pytest.fixture
def container(
    settings: Settings, repo: InMemoryOrderRepository, idempotency_store: SqliteIdempotencyStore
) -> Iterator[containers.Container]:
    built = containers.build(settings)
    built.repo.override(providers.Object(repo))
    built.clock.override(providers.Object(SteppingClock()))
    built.ids.override(providers.Object(SequentialIds()))
    built.idempotency_store.override(providers.Object(idempotency_store))
    bootstrap.install(built)
    yield built
    bootstrap.install(None)


@pytest.fixture
def context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def call(container: containers.Container, context: FakeLambdaContext) -> Call:
    """``call("GET", "/orders/x", claims=..., body=..., headers=...)`` → the Answer."""

    def run(method: str, path: str, **event: Any) -> Answer:
        return invoke(rest_event(method, path, **event), context)

    return run


@pytest.fixture
def placed(call: Call) -> Answer:
    """An order placed by CUSTOMER."""
    answer = call("POST", "/orders", body=NEW_ORDER)
    assert answer.status == 201, answer.text
    return answer


@pytest.fixture
def aws_container(
    environment: pytest.MonkeyPatch,
    single_threaded_moto_endpoint: str,
    single_threaded_dynamodb_client: DynamoDBClient,
) -> Iterator[containers.Container]:
    """The container built from the environment alone, on fresh orders and idempotency
    tables of the single-threaded moto server (DynamoDB store, Powertools' DynamoDB layer)."""
    suffix = uuid.uuid4().hex[:10]
    orders, keys = f"orders-{suffix}", f"idempotency-{suffix}"
    create_orders_table(single_threaded_dynamodb_client, orders)
    create_orders_table(single_threaded_dynamodb_client, keys, IDEMPOTENCY_TABLE)
    environment.setenv("ORDERS_STORE", "dynamodb")
    environment.setenv("ORDERS_TABLE_NAME", orders)
    environment.setenv("ORDERS_IDEMPOTENCY_TABLE", keys)
    environment.setenv("ORDERS_DYNAMODB_ENDPOINT", single_threaded_moto_endpoint)
    built = containers.build(load_settings())
    bootstrap.install(built)
    yield built
    bootstrap.install(None)
    for table in (orders, keys):
        single_threaded_dynamodb_client.delete_table(TableName=table)
