"""A client generated from the committed document, type-checked and run through a whole
order lifecycle against ``orders serve``, as a client author would use it.

The generated code is imported from a temporary folder, so nothing here is typed against it
at check time: the lifecycle is also written out and checked by ``mypy --strict`` against the
generated package, the way a user's code would be.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.support.generated_client import PACKAGE, generate
from tests.support.local_server import RunningServer

pytestmark = pytest.mark.slow

# The generator's own client.py (its template, the same for every API) passes ``*args:
# object`` on to httpx's __exit__, which mypy --strict refuses; everything generated from
# this API's document, and the code using it, is checked in full.
MYPY_CONFIG = """\
[mypy]
strict = True

[mypy-orders_client.client]
ignore_errors = True
"""

LIFECYCLE = '''
from http import HTTPStatus

from orders_client import AuthenticatedClient
from orders_client.api.orders import (
    cancel_order, create_order, delete_order, get_order, list_orders, update_order,
)
from orders_client.models import (
    CreateOrderRequest, CurrencyCode, ErrorBody, ErrorCode, LineIn, OrderOut, OrderPage,
    OrderStatus, UpdateOrderRequest,
)
from orders_client.types import UNSET


def lifecycle(base_url: str, customer: str) -> list[str]:
    """Every step a client takes, each answer checked; the order ids seen, newest first."""
    # orders serve's identity in the place of the Cognito token: the same header mechanics.
    client = AuthenticatedClient(
        base_url=base_url, token=customer, prefix="", auth_header_name="X-Dev-Customer"
    )
    body = CreateOrderRequest(
        currency=CurrencyCode.EUR,
        lines=[LineIn(sku="BOOK-42", quantity=2, unit_price="12.50")],
    )
    key = f"key-{customer}"
    first = create_order.sync_detailed(client=client, body=body, idempotency_key=key)
    assert first.status_code == HTTPStatus.CREATED
    assert isinstance(first.parsed, OrderOut)
    order = first.parsed
    assert first.headers["ETag"] == '"1"'
    assert first.headers["Location"].endswith(f"/orders/{order.id}")
    assert "Idempotent-Replayed" not in first.headers

    again = create_order.sync_detailed(client=client, body=body, idempotency_key=key)
    assert again.status_code == HTTPStatus.CREATED
    assert again.headers["Idempotent-Replayed"] == "true"
    assert isinstance(again.parsed, OrderOut) and again.parsed.id == order.id

    read = get_order.sync(order.id, client=client)
    assert isinstance(read, OrderOut)
    assert (read.status, read.version, read.total) == (OrderStatus.PENDING, 1, "25.00")

    placed = [order.id]
    for _ in range(4):
        more = create_order.sync(client=client, body=body)
        assert isinstance(more, OrderOut)
        placed.append(more.id)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = list_orders.sync(client=client, limit=2, cursor=cursor if cursor else UNSET)
        assert isinstance(page, OrderPage)
        seen += [item.id for item in page.items]
        if not isinstance(page.next_cursor, str):
            break
        cursor = page.next_cursor
    assert seen == placed[::-1]

    lines = UpdateOrderRequest(lines=[LineIn(sku="BOOK-42", quantity=3, unit_price="12.50")])
    updated = update_order.sync_detailed(order.id, client=client, body=lines, if_match='"1"')
    assert updated.status_code == HTTPStatus.OK
    assert updated.headers["ETag"] == '"2"'
    assert isinstance(updated.parsed, OrderOut) and updated.parsed.total == "37.50"
    stale = update_order.sync_detailed(order.id, client=client, body=lines, if_match='"1"')
    assert stale.status_code == HTTPStatus.PRECONDITION_FAILED
    assert isinstance(stale.parsed, ErrorBody)
    assert stale.parsed.error.code == ErrorCode.VERSION_CONFLICT

    cancelled = cancel_order.sync(order.id, client=client, if_match='"2"')
    assert isinstance(cancelled, OrderOut) and cancelled.status == OrderStatus.CANCELLED
    gone = delete_order.sync_detailed(order.id, client=client)
    assert gone.status_code == HTTPStatus.NO_CONTENT
    missing = get_order.sync(order.id, client=client)
    assert isinstance(missing, ErrorBody) and missing.error.code == ErrorCode.ORDER_NOT_FOUND
    return seen
'''


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("client")
    generate(folder)
    (folder / "lifecycle.py").write_text(textwrap.dedent(LIFECYCLE), encoding="utf-8")
    sys.path.insert(0, str(folder))
    try:
        yield folder
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]
        sys.modules.pop("lifecycle", None)


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


def test_the_generated_client_and_code_using_it_pass_mypy_strict(generated: Path) -> None:
    (generated / "mypy.ini").write_text(MYPY_CONFIG, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", PACKAGE, "lifecycle.py"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=generated,
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]


def test_the_generated_client_runs_a_whole_lifecycle(
    generated: Path, server: RunningServer
) -> None:
    del generated
    seen = _module("lifecycle").lifecycle(server.url, f"client-{uuid.uuid4().hex[:8]}")
    assert len(seen) == 5


def test_the_authenticated_client_sends_the_cognito_token_without_a_prefix(
    generated: Path,
) -> None:
    del generated
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"items": [], "next_cursor": None})

    client_module: Any = _module(f"{PACKAGE}.client")
    list_orders: Any = _module(f"{PACKAGE}.api.orders.list_orders")
    client = client_module.AuthenticatedClient(
        base_url="https://api.example.test/v1",
        token="eyJraWQiOi.id-token",  # noqa: S106 - a made-up token for a fake transport
        prefix="",
        httpx_args={"transport": httpx.MockTransport(answer)},
    )
    page = list_orders.sync(client=client)
    assert page.items == []
    assert sent[0].headers["Authorization"] == "eyJraWQiOi.id-token"
    assert str(sent[0].url) == "https://api.example.test/v1/orders?limit=20"
