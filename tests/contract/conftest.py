"""The store contract suite's fixture: every test here runs once per store.

A store joins the suite by adding a factory to ``STORE_FACTORIES``: a function taking pytest's
``tmp_path`` (and the request, for fixtures it needs) and returning a fresh, empty store that
implements ``orders_core.OrderRepository``, ``orders_core.EventLog`` and
``orders_core.ExpiryIndex``. The public contract
(``orders_adapters.testing.contract``) runs on each through test_store_contract.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orders_adapters.memory import InMemoryOrderRepository
from orders_adapters.sqlite import SqliteOrderRepository
from orders_adapters.testing.contract import ContractStore, ExpiryContractStore
from tests.support.dynamodb_fixtures import ContractDynamoDbStore

CURSOR_KEY = b"contract-suite-cursor-key-0123456789"

__all__ = ["CURSOR_KEY", "STORE_FACTORIES", "STORE_MARKS", "ContractStore", "store"]


def _memory(tmp_path: Path, request: pytest.FixtureRequest) -> ExpiryContractStore:
    return InMemoryOrderRepository(cursor_key=CURSOR_KEY)


def _sqlite(tmp_path: Path, request: pytest.FixtureRequest) -> ExpiryContractStore:
    store = SqliteOrderRepository(tmp_path / "orders.sqlite3", cursor_key=CURSOR_KEY)
    request.addfinalizer(store.close)
    return store


def _dynamodb(tmp_path: Path, request: pytest.FixtureRequest) -> ExpiryContractStore:
    # The single-threaded moto server: its conditional writes are atomic, as DynamoDB's are
    # (the stock threaded one lets racing writers both win; see docs/architecture.md).
    return ContractDynamoDbStore(
        request.getfixturevalue("single_threaded_dynamodb_client"),
        request.getfixturevalue("single_threaded_orders_table"),
        cursor_key=CURSOR_KEY,
    )


STORE_FACTORIES: dict[str, Callable[[Path, pytest.FixtureRequest], ExpiryContractStore]] = {
    "memory": _memory,
    "sqlite": _sqlite,
    "dynamodb": _dynamodb,
}
# Stores that need more than this process (selected or skipped with ``-m integration``).
STORE_MARKS: dict[str, pytest.MarkDecorator] = {"dynamodb": pytest.mark.integration}


@pytest.fixture(
    params=[pytest.param(name, marks=STORE_MARKS.get(name, ())) for name in sorted(STORE_FACTORIES)]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ExpiryContractStore:
    return STORE_FACTORIES[request.param](tmp_path, request)
