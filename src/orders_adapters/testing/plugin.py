"""pytest fixtures for tests of code that uses the orders library.

Loaded by pytest through the distribution's ``pytest11`` entry point: installing the
distribution is the whole setup. Every fixture is function-scoped and named ``orders_*``, so
it cannot shadow a fixture of the project that installs it. It imports only pytest and the
standard-library parts of the distribution, so it loads without the ``testing`` extra too.

- ``orders_clock``: a ``ManualClock`` at ``EPOCH`` that ticks one second per read;
- ``orders_ids``: ``SequentialIds`` (``order-000001``, ...);
- ``orders_memory_store``, ``orders_sqlite_store``: a fresh, empty store of each kind (SQLite
  in a file under ``tmp_path``, closed afterwards);
- ``orders_store``: each of the two in turn (tests using it run once per store);
- ``orders_recorder``: an ``EventRecorder`` over ``orders_store``;
- ``orders_use_cases``: every use case wired to ``orders_recorder`` with the clock and ids.

A DynamoDB store needs a table and an endpoint (moto, DynamoDB Local), which a plugin cannot
assume; build ``orders_adapters.dynamodb.DynamoDbOrderRepository`` in your own fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from orders_adapters.memory import InMemoryOrderRepository
from orders_adapters.sqlite import SqliteOrderRepository
from orders_core import OrderRepository
from orders_core.testing import EPOCH, EventRecorder, ManualClock, SequentialIds, UseCases


@pytest.fixture
def orders_clock() -> ManualClock:
    """A manual clock at ``EPOCH``, one second later at every read."""
    return ManualClock(EPOCH, tick=timedelta(seconds=1))


@pytest.fixture
def orders_ids() -> SequentialIds:
    """Order ids ``order-000001``, ``order-000002``, ..."""
    return SequentialIds()


@pytest.fixture
def orders_memory_store() -> InMemoryOrderRepository:
    """A fresh, empty in-memory store."""
    return InMemoryOrderRepository()


@pytest.fixture
def orders_sqlite_store(tmp_path: Path) -> Iterator[SqliteOrderRepository]:
    """A fresh, empty SQLite store in a file of its own, closed after the test."""
    store = SqliteOrderRepository(tmp_path / "orders-plugin.sqlite3")
    yield store
    store.close()


@pytest.fixture(params=["memory", "sqlite"])
def orders_store(request: pytest.FixtureRequest) -> OrderRepository:
    """Each standard-library store in turn: a test using it runs once per store."""
    store: OrderRepository = request.getfixturevalue(f"orders_{request.param}_store")
    return store


@pytest.fixture
def orders_recorder(orders_store: OrderRepository) -> EventRecorder:
    """``orders_store`` with every successful write's events recorded, in write order."""
    return EventRecorder(orders_store)


@pytest.fixture
def orders_use_cases(
    orders_recorder: EventRecorder, orders_clock: ManualClock, orders_ids: SequentialIds
) -> UseCases[EventRecorder]:
    """Every use case on ``orders_recorder``, with ``orders_clock`` and ``orders_ids``."""
    return UseCases(orders_recorder, clock=orders_clock, ids=orders_ids)
