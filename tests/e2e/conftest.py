"""One ``orders serve`` process per test module, on a SQLite file in a temporary directory.

Tests share it but not their data: each test acts as customers of its own (``customer``),
so no test sees another's orders. Tests that restart or reconfigure the server start their
own with :func:`tests.support.local_server.orders_serve`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.http_client import ApiClient
from tests.support.local_server import RunningServer, orders_serve


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    workdir: Path = tmp_path_factory.mktemp("orders-serve")
    with orders_serve(workdir) as running:
        yield running


@pytest.fixture
def customer() -> str:
    return f"customer-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def api(server: RunningServer, customer: str) -> ApiClient:
    return ApiClient(server.url, customer=customer)
