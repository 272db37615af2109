"""The local event flow: the SQLite outbox followed from a checkpoint, and payments and
shipments fed into the real entrypoints through the container, as ``orders events`` does."""

from __future__ import annotations

import argparse
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from orders_adapters.dynamodb import DynamoDbOrderRepository
from orders_adapters.sqlite import SqliteOrderRepository, events_after
from orders_core import OrderStatus
from orders_lambda import bootstrap
from orders_local.events import (
    OutboxFollower,
    PrintingPublisher,
    StreamFollower,
    feed_payment,
    register,
    run,
)
from tests.events.aws import streams_client
from tests.events.stream_records import FakePublisher
from tests.support.builders import placed_order
from tests.support.service import ALICE, STAFF, Service, a_line

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "orders.sqlite3"


@pytest.fixture
def service(db: Path) -> Iterator[Service]:
    store = SqliteOrderRepository(db)
    yield Service(store)
    store.close()


@pytest.fixture
def clean_environment() -> Iterator[None]:
    """The workspace writes ORDERS_* into this process's environment; put it back after."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("ORDERS_"):
            del os.environ[name]
    bootstrap.install(None)
    yield
    os.environ.clear()
    os.environ.update(saved)
    bootstrap.install(None)


def place(service: Service) -> str:
    return service.place(ALICE, currency="EUR", lines=[a_line()]).id


def test_the_follower_prints_each_new_event_once(service: Service, db: Path) -> None:
    first = place(service)
    out = io.StringIO()
    follower = OutboxFollower(db, PrintingPublisher(out))

    assert follower.poll() == 1
    service.mark_paid(STAFF, first)
    assert follower.poll() == 1
    assert follower.poll() == 0

    lines = out.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["OrderPlaced", "OrderPaid"]
    assert all(first in line for line in lines)


def test_the_follower_resumes_after_a_restart_and_retries_what_failed(
    service: Service, db: Path
) -> None:
    orders = [place(service) for _ in range(3)]
    events = [event for _, event in events_after(db, 0)]
    flaky = FakePublisher(failing=[events[1].event_id])

    assert OutboxFollower(db, flaky).poll() == 2
    flaky.failing.clear()
    again = OutboxFollower(db, flaky)  # a new process: the checkpoint is on disk

    assert again.poll() == 2  # from the failed one on
    assert [e.order_id for e in flaky.calls[1]] == orders[1:]
    assert again.poll() == 0


def test_a_payment_fed_locally_marks_the_order_paid(
    service: Service, db: Path, clean_environment: None
) -> None:
    order_id = place(service)
    root = argparse.ArgumentParser()
    register(root.add_subparsers(dest="command"))
    out = io.StringIO()

    pay = root.parse_args(["events", "pay", order_id, "--db", str(db), "--amount", "1000"])
    assert run(pay, out) == 0
    ship = root.parse_args(["events", "ship", order_id, "--db", str(db)])
    assert run(ship, out) == 0
    deliver = root.parse_args(["events", "ship", order_id, "--delivered", "--db", str(db)])
    assert run(deliver, out) == 0

    assert out.getvalue().splitlines() == [
        f"applied: order {order_id} is now PAID (version 2)",
        f"applied: order {order_id} is now SHIPPED (version 3)",
        f"applied: order {order_id} is now DELIVERED (version 4)",
    ]
    assert service.get(STAFF, order_id).status is OrderStatus.DELIVERED


def test_a_payment_for_an_unknown_order_is_refused(
    service: Service, db: Path, clean_environment: None
) -> None:
    place(service)  # the database exists
    root = argparse.ArgumentParser()
    register(root.add_subparsers(dest="command"))
    out = io.StringIO()

    assert run(root.parse_args(["events", "pay", "order-nope", "--db", str(db)]), out) == 1
    assert out.getvalue() == "refused: ORDER_NOT_FOUND: order order-nope not found\n"
    assert feed_payment("order-nope")["batchItemFailures"] != []


@pytest.mark.integration
def test_the_stream_follower_publishes_a_dynamodb_tables_outbox(
    dynamodb_repo: DynamoDbOrderRepository,
    dynamodb_client: DynamoDBClient,
    orders_table: str,
    moto_endpoint: str,
) -> None:
    out = io.StringIO()
    follower = StreamFollower(
        dynamodb_client, streams_client(moto_endpoint), orders_table, PrintingPublisher(out)
    )
    order, placed = placed_order("order-s1")
    dynamodb_repo.add(order, [placed])

    assert follower.poll() == 2  # the order item and its outbox item
    assert follower.poll() == 0
    follower.skip_to_now()

    [line] = out.getvalue().splitlines()
    assert line.split()[1:4] == ["OrderPlaced", "order", "order-s1"]
