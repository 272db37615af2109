"""Round trips per operation, counted on the wire with botocore's event hooks.

The store's own methods cost one DynamoDB call each. The use cases that change an order read
it first (ownership, lifecycle rules and the version to write against), so they cost the read
plus the one conditional write: two calls. Placing, reading and listing cost one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from orders_core import NewLine, OrderStatus, Principal, VersionConflict
from tests.support.dynamodb_fixtures import ContractDynamoDbStore
from tests.support.service import Service

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.integration

CURSOR_KEY = b"round-trip-cursor-key-0123456789"
ALICE = Principal.customer("alice")
STAFF = Principal.staff("ops")
LINES = [NewLine("SKU-1", 2, "9.99")]


class Calls:
    """DynamoDB API calls made while it is registered, by operation name."""

    def __init__(self) -> None:
        self.made: Counter[str] = Counter()

    def record(self, model: Any, **_: Any) -> None:
        self.made[model.name] += 1

    def take(self) -> Counter[str]:
        """The calls since the last take."""
        made, self.made = self.made, Counter()
        return made


@pytest.fixture
def calls(dynamodb_client: DynamoDBClient) -> Iterator[Calls]:
    counter = Calls()
    # before-call fires once per API call, however many HTTP attempts the retries make.
    dynamodb_client.meta.events.register("before-call.dynamodb", counter.record)
    yield counter
    dynamodb_client.meta.events.unregister("before-call.dynamodb", counter.record)


@pytest.fixture
def store(dynamodb_client: DynamoDBClient, orders_table: str) -> ContractDynamoDbStore:
    return ContractDynamoDbStore(dynamodb_client, orders_table, cursor_key=CURSOR_KEY)


@pytest.fixture
def service(store: ContractDynamoDbStore) -> Service:
    return Service(store)


def test_placing_an_order_is_one_transaction(service: Service, calls: Calls) -> None:
    service.place(ALICE, currency="EUR", lines=LINES)
    assert calls.take() == {"TransactWriteItems": 1}


def test_reading_an_order_is_one_consistent_get(service: Service, calls: Calls) -> None:
    order = service.place(ALICE, currency="EUR", lines=LINES)
    calls.take()
    service.get(ALICE, order.id)
    assert calls.take() == {"GetItem": 1}


@pytest.mark.parametrize("status", [None, OrderStatus.PENDING])
def test_every_page_of_a_list_is_one_query(
    service: Service, calls: Calls, status: OrderStatus | None
) -> None:
    for _ in range(5):
        service.place(ALICE, currency="EUR", lines=LINES)
    calls.take()
    first = service.list_orders(ALICE, limit=2, status=status)
    assert calls.take() == {"Query": 1}
    service.list_orders(ALICE, limit=2, cursor=first.next_cursor, status=status)
    assert calls.take() == {"Query": 1}


def test_store_writes_are_one_transaction_each(
    store: ContractDynamoDbStore, service: Service, calls: Calls
) -> None:
    order = service.place(ALICE, currency="EUR", lines=LINES)
    calls.take()
    event = order.cancel(at=order.updated_at)
    store.save(order, expected_version=1, events=[event])
    assert calls.take() == {"TransactWriteItems": 1}
    event = order.delete(at=order.updated_at)
    store.delete(order.id, expected_version=2, events=[event])
    assert calls.take() == {"TransactWriteItems": 1}
    assert len(store.events_for(order.id)) == 3
    assert calls.take() == {"Query": 1}


def test_a_failed_condition_is_reported_without_another_read(
    store: ContractDynamoDbStore, service: Service, calls: Calls
) -> None:
    order = service.place(ALICE, currency="EUR", lines=LINES)
    stale = service.get(ALICE, order.id)
    service.cancel(ALICE, order.id)
    calls.take()
    with pytest.raises(VersionConflict, match="version 2, not 1"):
        store.save(stale, expected_version=1, events=[stale.mark_paid(at=stale.updated_at)])
    assert calls.take() == {"TransactWriteItems": 1}


def test_use_cases_that_change_an_order_read_it_then_write_once(
    service: Service, calls: Calls
) -> None:
    read_then_write = {"GetItem": 1, "TransactWriteItems": 1}
    order = service.place(ALICE, currency="EUR", lines=LINES)
    calls.take()
    service.update(ALICE, order.id, expected_version=1, lines=[NewLine("SKU-2", 1, "5.00")])
    assert calls.take() == read_then_write
    service.mark_paid(STAFF, order.id)
    assert calls.take() == read_then_write
    service.cancel(ALICE, order.id)
    assert calls.take() == read_then_write
    service.delete(ALICE, order.id)
    assert calls.take() == read_then_write


def test_finding_the_orders_due_is_one_query_on_the_expiry_index_and_never_a_scan(
    store: ContractDynamoDbStore, service: Service, dynamodb_client: DynamoDBClient
) -> None:
    for _ in range(3):
        service.place(ALICE, currency="EUR", lines=LINES)
    requests: list[dict[str, Any]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        requests.append({"operation": model.name, **params})

    dynamodb_client.meta.events.register("provide-client-params.dynamodb", record)
    try:
        due = store.due_for_expiry(datetime.now(UTC) + timedelta(hours=1), limit=10)
    finally:
        dynamodb_client.meta.events.unregister("provide-client-params.dynamodb", record)

    assert len(due) == 3
    assert [(r["operation"], r.get("IndexName")) for r in requests] == [("Query", "GSI3")]
