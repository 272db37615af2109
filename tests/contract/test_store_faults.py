"""The port's error promise under real faults: StoreUnavailable or StoreError, nothing partial.

Each fault is made the way it happens to that store: a row or item rewritten behind the
store's back, a file or table that is not the store's, storage that refuses writes or is full,
a connection lost in the middle of a write. Where a fault cannot happen to a store,
``NOT_APPLICABLE`` says why, and that store is left out of the case's parameters.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ConnectionClosedError

from orders_adapters.dynamodb import (
    RECORD_ATTRIBUTE,
    DynamoDbOrderRepository,
    encode_record,
    event_item,
    make_dynamodb_client,
    order_item,
)
from orders_adapters.memory import InMemoryOrderRepository
from orders_adapters.sqlite import SqliteOrderRepository
from orders_core import (
    CustomerId,
    Order,
    OrderEvent,
    OrderId,
    OrderNotFound,
    OrderRepository,
    StoreError,
    StoreUnavailable,
)
from tests.contract.conftest import CURSOR_KEY, STORE_FACTORIES, STORE_MARKS, ContractStore
from tests.support.builders import line, placed_order
from tests.support.fakes import EPOCH

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

NOT_APPLICABLE: Final[dict[tuple[str, str], str]] = {
    ("memory", "not a database"): "the in-memory store has no file or table of its own",
    ("memory", "read-only"): "the in-memory store has no storage that can refuse writes",
    ("memory", "full"): "the in-memory store fills only the process's memory",
    ("memory", "connection lost"): "the in-memory store has no connection: a write is one "
    "step under its lock",
    ("dynamodb", "full"): "a DynamoDB table has no size limit, and the order bounds keep any "
    "item far below DynamoDB's 400 KB item limit",
}


def stores_for(case: str) -> list[Any]:
    return [
        pytest.param(name, marks=STORE_MARKS.get(name, ()))
        for name in sorted(STORE_FACTORIES)
        if (name, case) not in NOT_APPLICABLE
    ]


def test_every_store_left_out_of_a_case_is_a_known_store_with_a_reason() -> None:
    cases = {"not a database", "read-only", "full", "connection lost"}
    for (store, case), reason in NOT_APPLICABLE.items():
        assert store in STORE_FACTORIES
        assert case in cases
        assert reason


# -- rewriting stored data behind the store's back ------------------------------------------


def _sqlite_path(request: pytest.FixtureRequest) -> Path:
    # The path the contract fixture's SQLite factory opens.
    tmp_path: Path = request.getfixturevalue("tmp_path")
    return tmp_path / "orders.sqlite3"


def _dynamodb(request: pytest.FixtureRequest) -> tuple[DynamoDBClient, str]:
    # The same client and table the contract fixture's DynamoDB store was given.
    client: DynamoDBClient = request.getfixturevalue("single_threaded_dynamodb_client")
    table: str = request.getfixturevalue("single_threaded_orders_table")
    return client, table


def _sqlite_behind_the_store(request: pytest.FixtureRequest, statement: str, key: str) -> None:
    conn = sqlite3.connect(_sqlite_path(request))
    with conn:  # commits
        assert conn.execute(statement, (key,)).rowcount == 1
    conn.close()


def _corrupt_order(
    name: str, store: ContractStore, request: pytest.FixtureRequest, order: Order
) -> None:
    if name == "memory":
        assert isinstance(store, InMemoryOrderRepository)
        record = store._orders[order.id]  # the only way in: its records are private
        record["lines"] = [{"sku": "not a sku", "quantity": 1, "unit_price": 100}]
    elif name == "sqlite":
        _sqlite_behind_the_store(
            request, "UPDATE orders SET body = '{\"id\": ' WHERE id = ?", order.id
        )
    else:
        client, table = _dynamodb(request)
        item = order_item(order)
        record = json.loads(item[RECORD_ATTRIBUTE]["S"])
        record["lines"] = "not a list of lines"
        item[RECORD_ATTRIBUTE] = encode_record(record)
        client.put_item(TableName=table, Item=item)


def _corrupt_event(
    name: str, store: ContractStore, request: pytest.FixtureRequest, event: OrderEvent
) -> None:
    if name == "memory":
        assert isinstance(store, InMemoryOrderRepository)
        store._events[event.order_id][0]["type"] = "OrderTeleported"
    elif name == "sqlite":
        _sqlite_behind_the_store(
            request, "UPDATE events SET body = 'null' WHERE event_id = ?", event.event_id
        )
    else:
        client, table = _dynamodb(request)
        item = event_item(event, expires_at=2_000_000_000)
        item[RECORD_ATTRIBUTE] = encode_record({**event.to_record(), "type": "OrderTeleported"})
        client.put_item(TableName=table, Item=item)


@pytest.mark.parametrize("name", stores_for("unreadable"))
def test_an_unreadable_order_is_a_store_error_on_every_read(
    name: str, request: pytest.FixtureRequest
) -> None:
    store = STORE_FACTORIES[name](request.getfixturevalue("tmp_path"), request)
    order, placed = placed_order("order-1", "customer-1")
    store.add(order, [placed])
    sound, sound_placed = placed_order("order-2", "customer-2")
    store.add(sound, [sound_placed])
    _corrupt_order(name, store, request, order)
    with pytest.raises(StoreError):
        store.get(order.id)
    with pytest.raises(StoreError):
        store.list_for_customer(CustomerId("customer-1"), limit=10)
    # Only the damaged order is lost to readers.
    assert store.get(sound.id).same_state(sound)
    assert [o.id for o in store.list_for_customer(CustomerId("customer-2"), limit=10).items] == [
        sound.id
    ]


@pytest.mark.parametrize("name", stores_for("unreadable"))
def test_an_unreadable_event_is_a_store_error(name: str, request: pytest.FixtureRequest) -> None:
    store = STORE_FACTORIES[name](request.getfixturevalue("tmp_path"), request)
    order, placed = placed_order("order-1")
    store.add(order, [placed])
    _corrupt_event(name, store, request, placed)
    with pytest.raises(StoreError):
        store.events_for(order.id)
    assert store.get(order.id).same_state(order)


# -- storage that is not the store's -------------------------------------------------------


def test_a_sqlite_file_that_is_not_a_database_is_a_store_error_and_is_left_as_it_was(
    tmp_path: Path,
) -> None:
    path = tmp_path / "orders.sqlite3"
    path.write_bytes(b"these are somebody's notes, not a database\n" * 200)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="SQLITE_NOTADB"):
        SqliteOrderRepository(path)
    assert path.read_bytes() == before


@pytest.mark.integration
def test_a_dynamodb_table_that_is_not_an_orders_table_is_a_store_error(
    single_threaded_dynamodb_client: DynamoDBClient,
) -> None:
    client, table = single_threaded_dynamodb_client, "not-an-orders-table"
    client.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        store = DynamoDbOrderRepository(client, table, cursor_key=CURSOR_KEY)
        order, placed = placed_order("order-1")
        with pytest.raises(StoreError):
            store.add(order, [placed])
        with pytest.raises(StoreError):
            store.get(order.id)
        with pytest.raises(StoreError):
            store.list_for_customer(CustomerId("customer-1"), limit=10)
        assert client.scan(TableName=table)["Count"] == 0
    finally:
        client.delete_table(TableName=table)


# -- storage that refuses writes, or is full ------------------------------------------------


def _reopened_sqlite(
    tmp_path: Path, request: pytest.FixtureRequest, on_connect: Callable[[sqlite3.Connection], None]
) -> tuple[SqliteOrderRepository, Order]:
    """A database holding one order, opened again with ``on_connect`` on every connection."""
    path = tmp_path / "orders.sqlite3"
    first = SqliteOrderRepository(path, cursor_key=CURSOR_KEY)
    order, placed = placed_order("order-1")
    first.add(order, [placed])
    first.close()
    store = SqliteOrderRepository(path, cursor_key=CURSOR_KEY, on_connect=on_connect)
    request.addfinalizer(store.close)
    return store, order


def _dynamodb_client_answering(
    request: pytest.FixtureRequest, event: str, handler: Callable[..., Any]
) -> DynamoDbOrderRepository:
    """A store on its own client (so the shared one stays sound) whose ``event`` hook is
    ``handler``; retries off, so a failure is reported at once."""
    endpoint: str = request.getfixturevalue("single_threaded_moto_endpoint")
    _, table = _dynamodb(request)
    client = make_dynamodb_client(endpoint_url=endpoint, max_attempts=1)
    client.meta.events.register(event, handler)
    return DynamoDbOrderRepository(client, table, cursor_key=CURSOR_KEY)


def _access_denied(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
    # What DynamoDB answers a role granted reads only.
    error = {"Code": "AccessDeniedException", "Message": "not authorized to write"}
    return AWSResponse("https://dynamodb", 400, HTTPHeaders(), None), {
        "Error": error,
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }


@pytest.mark.parametrize("name", stores_for("read-only"))
def test_a_read_only_store_serves_reads_and_refuses_writes_as_a_store_error(
    name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store: OrderRepository
    if name == "sqlite":

        def refuse_writes(conn: sqlite3.Connection) -> None:
            conn.execute("PRAGMA query_only = ON")  # SQLite's own read-only switch

        store, order = _reopened_sqlite(tmp_path, request, refuse_writes)
    else:
        shared = STORE_FACTORIES[name](tmp_path, request)
        order, placed = placed_order("order-1")
        shared.add(order, [placed])
        store = _dynamodb_client_answering(
            request, "before-call.dynamodb.TransactWriteItems", _access_denied
        )
    assert store.get(order.id).same_state(order)
    stored = store.get(order.id)
    paid = stored.mark_paid(at=EPOCH)
    with pytest.raises(StoreError):
        store.save(stored, expected_version=1, events=[paid])
    another, another_placed = placed_order("order-2")
    with pytest.raises(StoreError):
        store.add(another, [another_placed])
    assert store.get(order.id).version == 1
    assert len(store.events_for(order.id)) == 1
    with pytest.raises(OrderNotFound):
        store.get(another.id)


@pytest.mark.parametrize("name", stores_for("full"))
def test_a_full_store_is_unavailable_and_writes_nothing(
    name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    assert name == "sqlite"

    def cap_at_current_size(conn: sqlite3.Connection) -> None:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")

    store, order = _reopened_sqlite(tmp_path, request, cap_at_current_size)
    # Long enough to need pages the capped file cannot have.
    lines = [line(f"SKU-{n:03d}", n + 1) for n in range(100)]
    big, placed = placed_order("order-2", lines=tuple(lines))
    with pytest.raises(StoreUnavailable, match="SQLITE_FULL"):
        store.add(big, [placed])
    with pytest.raises(OrderNotFound):
        store.get(big.id)
    assert store.events_for(big.id) == []
    assert store.get(order.id).same_state(order)


# -- a connection lost in the middle of a write ---------------------------------------------


def _die_before_the_events(path: str) -> None:
    """Run in a child process: begin an add, and die (SIGKILL) after the order row is written
    and before its events are, with the transaction open."""

    def trace(statement: str) -> None:
        if statement.startswith("INSERT INTO events"):
            os.kill(os.getpid(), signal.SIGKILL)

    store = SqliteOrderRepository(
        path, cursor_key=CURSOR_KEY, on_connect=lambda conn: conn.set_trace_callback(trace)
    )
    order, placed = placed_order("order-1")
    store.add(order, [placed])


def test_a_sqlite_writer_killed_mid_transaction_leaves_nothing_and_no_lock(
    tmp_path: Path,
) -> None:
    path = tmp_path / "orders.sqlite3"
    SqliteOrderRepository(path, cursor_key=CURSOR_KEY).close()
    child = multiprocessing.get_context("spawn").Process(
        target=_die_before_the_events, args=(str(path),)
    )
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    store = SqliteOrderRepository(path, cursor_key=CURSOR_KEY, busy_timeout=5)
    try:
        with pytest.raises(OrderNotFound):
            store.get(OrderId("order-1"))
        assert store.all_events() == []
        order, placed = placed_order("order-1")
        store.add(order, [placed])  # the dead writer's lock went with it
        assert store.events_for(order.id) == [placed]
    finally:
        store.close()


def _lose_the_connection(request: Any, **_: Any) -> None:
    raise ConnectionClosedError(endpoint_url=request.url)


@pytest.mark.parametrize("name", stores_for("connection lost"))
def test_a_connection_lost_mid_write_is_unavailable_and_writes_nothing(
    name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    sound = STORE_FACTORIES[name](tmp_path, request)
    store: OrderRepository
    if name == "sqlite":

        def interrupt_before_the_events(conn: sqlite3.Connection) -> None:
            # Cut the transaction after the order row is written, before its events are.
            def trace(statement: str) -> None:
                if statement.startswith("INSERT INTO events"):
                    conn.interrupt()

            conn.set_trace_callback(trace)

        store = SqliteOrderRepository(
            tmp_path / "orders.sqlite3",
            cursor_key=CURSOR_KEY,
            on_connect=interrupt_before_the_events,
        )
        request.addfinalizer(store.close)
    else:
        # One TransactWriteItems is the whole write: DynamoDB applies it whole or not at all,
        # so the connection can only be lost before it is applied or after.
        store = _dynamodb_client_answering(
            request, "before-send.dynamodb.TransactWriteItems", _lose_the_connection
        )
    order, placed = placed_order("order-1")
    with pytest.raises(StoreUnavailable):
        store.add(order, [placed])
    with pytest.raises(OrderNotFound):
        sound.get(order.id)
    assert sound.events_for(order.id) == []
    sound.add(order, [placed])
    assert sound.events_for(order.id) == [placed]
