"""The process's container over a store and a clock of the test's, for tests that call an
entrypoint in this process (as Lambda would) and need to see and move what it sees."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from dependency_injector import providers

from orders_core import Clock, OrderRepository
from orders_lambda import bootstrap
from orders_lambda import container as containers
from orders_lambda.settings import load_settings


@contextmanager
def installed(
    monkeypatch: pytest.MonkeyPatch, store: OrderRepository, clock: Clock
) -> Iterator[None]:
    """Until the block ends, every entrypoint of this process runs on ``store`` and ``clock``."""
    monkeypatch.setenv("ORDERS_STORE", "memory")
    built = containers.build(load_settings())
    built.repo.override(providers.Object(store))
    built.clock.override(providers.Object(clock))
    bootstrap.install(built)
    try:
        yield
    finally:
        bootstrap.install(None)
