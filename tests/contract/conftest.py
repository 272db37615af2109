"""The store contract suite's fixture: every test here runs once per store.

A store joins the suite by adding a factory to ``STORE_FACTORIES``: a function taking pytest's
``tmp_path`` (and the request, for fixtures it needs) and returning a fresh, empty store that
implements ``orders_core.OrderRepository`` plus ``all_events()``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import pytest

from orders_adapters.memory import InMemoryOrderRepository
from orders_adapters.sqlite import SqliteOrderRepository
from orders_core import OrderEvent, OrderRepository

CURSOR_KEY = b"contract-suite-cursor-key-0123456789"


class ContractStore(OrderRepository, Protocol):
    def all_events(self) -> list[OrderEvent]: ...


def _memory(tmp_path: Path, request: pytest.FixtureRequest) -> ContractStore:
    return InMemoryOrderRepository(cursor_key=CURSOR_KEY)


def _sqlite(tmp_path: Path, request: pytest.FixtureRequest) -> ContractStore:
    store = SqliteOrderRepository(tmp_path / "orders.sqlite3", cursor_key=CURSOR_KEY)
    request.addfinalizer(store.close)
    return store


STORE_FACTORIES: dict[str, Callable[[Path, pytest.FixtureRequest], ContractStore]] = {
    "memory": _memory,
    "sqlite": _sqlite,
}


@pytest.fixture(params=sorted(STORE_FACTORIES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ContractStore:
    return STORE_FACTORIES[request.param](tmp_path, request)
