"""Handler tests: real entrypoints on API Gateway REST proxy events, through a container whose
stores are the in-memory ones and whose clock and ids are deterministic."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from dependency_injector import providers

from orders_adapters.memory import InMemoryOrderRepository
from orders_lambda import container as containers
from orders_lambda.http.idempotency_store import SqliteIdempotencyStore
from orders_lambda.settings import Settings, load_settings
from tests.support.apigw import NEW_ORDER, Answer, Call, FakeLambdaContext, invoke, rest_event
from tests.support.fakes import SequentialIds, SteppingClock

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
    containers.install(built)
    yield built
    containers.install(None)


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
