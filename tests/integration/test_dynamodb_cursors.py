"""Page cursors on DynamoDB: only a genuine cursor for the same customer and filter is
accepted, and a bad one fails before any call reaches DynamoDB."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from orders_adapters.dynamodb import DynamoDbOrderRepository
from orders_adapters.shared import scope
from orders_core import CursorCodec, CustomerId, InvalidCursor, OrderStatus
from tests.support.builders import placed_order
from tests.support.fakes import EPOCH

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.integration

CURSOR_KEY = b"cursor-tests-signing-key-0123456789"
ALICE = CustomerId("alice")
BOB = CustomerId("bob")


@pytest.fixture
def store(dynamodb_client: DynamoDBClient, orders_table: str) -> DynamoDbOrderRepository:
    store = DynamoDbOrderRepository(dynamodb_client, orders_table, cursor_key=CURSOR_KEY)
    for n in range(3):
        for customer in (ALICE, BOB):
            order, event = placed_order(f"{customer}-{n}", customer, at=EPOCH + timedelta(n))
            store.add(order, [event])
    return store


@pytest.fixture
def api_calls(dynamodb_client: DynamoDBClient) -> Iterator[list[str]]:
    made: list[str] = []

    def record(model: Any, **_: Any) -> None:
        made.append(model.name)

    dynamodb_client.meta.events.register("before-call.dynamodb", record)
    yield made
    dynamodb_client.meta.events.unregister("before-call.dynamodb", record)


def _cursor(store: DynamoDbOrderRepository, status: OrderStatus | None = None) -> str:
    cursor = store.list_for_customer(ALICE, limit=1, status=status).next_cursor
    assert cursor is not None
    return cursor


def _signed(position: dict[str, object], status: OrderStatus | None = None) -> str:
    """A cursor signed with the store's real key: what only a key leak could produce."""
    return CursorCodec(CURSOR_KEY).encode(position, scope(ALICE, status))


def test_a_genuine_cursor_continues_the_walk(store: DynamoDbOrderRepository) -> None:
    page = store.list_for_customer(ALICE, limit=2, cursor=_cursor(store))
    assert [o.id for o in page.items] == ["alice-1", "alice-0"]
    assert page.next_cursor is None


BAD_CURSORS: dict[str, Callable[[str], str]] = {
    "tampered signature": lambda c: c[:-3] + ("xyz" if not c.endswith("xyz") else "abc"),
    "tampered body": lambda c: c.replace(c[5], "A" if c[5] != "A" else "B", 1),
    "forged with another key": lambda c: CursorCodec(b"someone-elses-key-0123456789").encode(
        {"after": "2026-01-01T12:00:00.000000+00:00#alice-2"}, scope(ALICE, None)
    ),
    "garbage": lambda c: "garbage",
    "empty": lambda c: "",
    "oversized": lambda c: c * 40,
    "unsigned body": lambda c: c.partition(".")[0],
    "position of the wrong type": lambda c: _signed({"after": {"S": "x"}}),
    "position of the wrong shape": lambda c: _signed({"after": "not-a-sort-key"}),
    "position with a bad time": lambda c: _signed({"after": "2026-13-01T12:00:00.000000+00:00#a"}),
    "position with a bad order id": lambda c: _signed(
        {"after": "2026-01-01T12:00:00.000000+00:00#a b"}
    ),
}


@pytest.mark.parametrize("make", BAD_CURSORS.values(), ids=BAD_CURSORS.keys())
def test_a_bad_cursor_is_invalid_and_never_reaches_dynamodb(
    store: DynamoDbOrderRepository, api_calls: list[str], make: Callable[[str], str]
) -> None:
    bad = make(_cursor(store))
    api_calls.clear()
    with pytest.raises(InvalidCursor):
        store.list_for_customer(ALICE, limit=1, cursor=bad)
    assert api_calls == []


def test_another_customers_cursor_is_invalid(store: DynamoDbOrderRepository) -> None:
    with pytest.raises(InvalidCursor):
        store.list_for_customer(BOB, limit=1, cursor=_cursor(store))


def test_a_cursor_of_another_status_filter_is_invalid(store: DynamoDbOrderRepository) -> None:
    pending = _cursor(store, OrderStatus.PENDING)
    with pytest.raises(InvalidCursor):
        store.list_for_customer(ALICE, limit=1, cursor=pending)
    with pytest.raises(InvalidCursor):
        store.list_for_customer(ALICE, limit=1, cursor=pending, status=OrderStatus.PAID)
    with pytest.raises(InvalidCursor):
        store.list_for_customer(ALICE, limit=1, cursor=_cursor(store), status=OrderStatus.PENDING)


def test_even_a_validly_signed_position_naming_another_customers_order_stays_in_scope(
    store: DynamoDbOrderRepository,
) -> None:
    # The start key's partition comes from the checked scope, never from the cursor.
    cursor = _signed({"after": "2026-01-03T12:00:00.000000+00:00#bob-2"})
    page = store.list_for_customer(ALICE, limit=10, cursor=cursor)
    assert {o.customer_id for o in page.items} == {ALICE}
