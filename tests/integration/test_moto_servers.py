"""Why the contract suite runs on a single-threaded moto server.

moto's DynamoDB backend takes no lock: under the stock threaded server two requests can both
pass one version condition, and a cancelled transaction restores a copy of the whole table
taken before it began, undoing writes that landed meanwhile. This test keeps that claim
honest: if a moto release makes the threaded server safe, it fails and says so.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

from orders_adapters.dynamodb import DynamoDbOrderRepository, create_orders_table
from orders_core import OrderNotFound
from tests.support.builders import placed_order
from tests.support.racing import race

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.integration

# A race shows in some rounds only (5 to 26 of 30 in our runs, fewer on a busy machine), so
# rounds run until one shows it, within a bound: 150 rounds or two minutes, about 10 s
# expected. A moto that is safe fails the test at the bound.
MAX_ROUNDS = 150
MAX_SECONDS = 120.0
WRITERS = 8
ATTEMPTS = 4


def _race_once(client: DynamoDBClient, table: str) -> Counter[str]:
    """Eight writers race on one order; what went wrong, if anything."""
    anomalies: Counter[str] = Counter()
    create_orders_table(client, table)
    store = DynamoDbOrderRepository(client, table, cursor_key=b"r" * 32)
    order, event = placed_order("contended")
    store.add(order, [event])

    def writer(number: int) -> list[int]:
        try:
            return [win.version for win in race(store, order.id, number, ATTEMPTS)]
        except OrderNotFound:
            anomalies["an existing order was reported missing"] += 1
            return []

    with ThreadPoolExecutor(WRITERS) as pool:
        versions = [v for wins in pool.map(writer, range(WRITERS)) for v in wins]
    if len(versions) != len(set(versions)):
        anomalies["two writers won the same version"] += 1
    if len(store.events_for(order.id)) != len(versions) + 1:
        anomalies["the events are not one per accepted write"] += 1
    client.delete_table(TableName=table)
    return anomalies


def test_the_stock_threaded_moto_server_lets_racing_writers_both_win(
    dynamodb_client: DynamoDBClient,
) -> None:
    deadline = time.monotonic() + MAX_SECONDS
    rounds = 0
    while rounds < MAX_ROUNDS and time.monotonic() < deadline:
        rounds += 1
        if _race_once(dynamodb_client, f"race-{rounds}"):
            return
    pytest.fail(
        f"no race in {rounds} rounds: moto's threaded server may now be safe for the "
        "concurrency tests (see docs/architecture.md)"
    )
