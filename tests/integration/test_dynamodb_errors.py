"""Failures are translated at the adapter's boundary: core errors out, no botocore type.

botocore's Stubber answers on a real client for the service's error codes; a closed port and
a server that never answers stand in for connection failures and timeouts.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import closing
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from botocore.stub import Stubber

from orders_adapters.dynamodb import DynamoDbOrderRepository, make_dynamodb_client
from orders_core import (
    CustomerId,
    OrderAlreadyExists,
    OrderId,
    OrderNotFound,
    OrdersError,
    StoreError,
    StoreUnavailable,
    VersionConflict,
)
from tests.support.builders import placed_order
from tests.support.fakes import EPOCH
from tests.support.moto_server import HOST, free_port

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

CURSOR_KEY = b"error-tests-signing-key-0123456789"
TABLE = "orders"


@pytest.fixture(scope="module")
def client(aws_test_environment: None) -> DynamoDBClient:
    # Never sends a request: every call is answered by the Stubber below.
    return make_dynamodb_client(region="us-east-1")


@pytest.fixture
def stub(client: DynamoDBClient) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def store(client: DynamoDBClient) -> DynamoDbOrderRepository:
    return DynamoDbOrderRepository(client, TABLE, cursor_key=CURSOR_KEY)


def _assert_translated(error: pytest.ExceptionInfo[OrdersError]) -> None:
    assert not isinstance(error.value, ClientError | BotoCoreError)
    assert isinstance(error.value.__cause__, ClientError | BotoCoreError)


def _cancel_next_transaction(stub: Stubber, *reasons: dict[str, Any]) -> None:
    """The next TransactWriteItems is cancelled with ``reasons`` (one per item)."""
    stub.add_client_error(
        "transact_write_items",
        "TransactionCanceledException",
        modeled_fields={"CancellationReasons": list(reasons)},
    )


CHECK_FAILED = {"Code": "ConditionalCheckFailed"}
PASSED = {"Code": "None"}


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ProvisionedThroughputExceededException", 400),
        ("ThrottlingException", 400),
        ("RequestLimitExceeded", 400),
        ("InternalServerError", 500),
        ("ServiceUnavailable", 503),
        ("InternalFailure", 500),  # a 5xx whatever its code
    ],
)
def test_a_failed_read_is_store_unavailable(
    store: DynamoDbOrderRepository, stub: Stubber, code: str, status: int
) -> None:
    stub.add_client_error("get_item", code, http_status_code=status)
    stub.add_client_error("query", code, http_status_code=status)
    with pytest.raises(StoreUnavailable, match=code) as got:
        store.get(OrderId("order-1"))
    _assert_translated(got)
    with pytest.raises(StoreUnavailable, match=code) as got:
        store.list_for_customer(CustomerId("alice"), limit=5)
    _assert_translated(got)


@pytest.mark.parametrize(
    "code", ["ResourceNotFoundException", "AccessDeniedException", "ValidationException"]
)
def test_a_request_dynamodb_refuses_is_a_store_error_not_a_retry_later(
    store: DynamoDbOrderRepository, stub: Stubber, code: str
) -> None:
    stub.add_client_error("get_item", code, http_status_code=400)
    stub.add_client_error("query", code, http_status_code=400)
    with pytest.raises(StoreError, match=f"refused the request.*{code}") as got:
        store.get(OrderId("order-1"))
    _assert_translated(got)
    with pytest.raises(StoreError, match=code) as got:
        store.list_for_customer(CustomerId("alice"), limit=5)
    _assert_translated(got)


def test_a_stored_item_that_cannot_be_read_is_a_store_error(
    store: DynamoDbOrderRepository, stub: Stubber
) -> None:
    stub.add_response("get_item", {"Item": {"PK": {"S": "ORDER#order-1"}, "SK": {"S": "ORDER"}}})
    with pytest.raises(StoreError, match="could not be read"):
        store.get(OrderId("order-1"))


def test_a_failed_condition_on_add_means_the_order_exists(
    store: DynamoDbOrderRepository, stub: Stubber
) -> None:
    order, event = placed_order()
    _cancel_next_transaction(stub, CHECK_FAILED, PASSED)
    with pytest.raises(OrderAlreadyExists) as got:
        store.add(order, [event])
    _assert_translated(got)


def test_a_failed_condition_on_delete_without_a_stored_item_is_not_found(
    store: DynamoDbOrderRepository, stub: Stubber
) -> None:
    order, _ = placed_order()
    event = order.delete(at=EPOCH)
    _cancel_next_transaction(stub, CHECK_FAILED, PASSED)
    with pytest.raises(OrderNotFound) as got:
        store.delete(order.id, expected_version=1, events=[event])
    _assert_translated(got)


STORED_AT_4 = {"PK": {"S": "ORDER#order-1"}, "version": {"N": "4"}}
TOMBSTONE = {"PK": {"S": "ORDER#order-1"}, "SK": {"S": "ORDER"}, "deleted": {"BOOL": True}}


def test_a_tombstone_reads_as_a_missing_order(
    store: DynamoDbOrderRepository, stub: Stubber
) -> None:
    stub.add_response("get_item", {"Item": TOMBSTONE})
    with pytest.raises(OrderNotFound):
        store.get(OrderId("order-1"))


@pytest.mark.parametrize(
    ("reasons", "expected", "message"),
    [
        ([{**CHECK_FAILED, "Item": STORED_AT_4}, PASSED], VersionConflict, "version 4, not 1"),
        ([CHECK_FAILED, PASSED], OrderNotFound, "not found"),
        ([{**CHECK_FAILED, "Item": TOMBSTONE}, PASSED], OrderNotFound, "not found"),
        ([{"Code": "TransactionConflict"}, PASSED], VersionConflict, "another request"),
        ([PASSED, {"Code": "ThrottlingError"}], StoreUnavailable, "busy.*ThrottlingError"),
        ([PASSED, {"Code": "ValidationError"}], StoreError, "refused.*ValidationError"),
    ],
    ids=["stale", "missing", "deleted", "in-flight", "throttled", "invalid"],
)
def test_a_cancelled_save_is_translated_by_its_reasons(
    store: DynamoDbOrderRepository,
    stub: Stubber,
    reasons: list[dict[str, Any]],
    expected: type[OrdersError],
    message: str,
) -> None:
    order, _ = placed_order()
    event = order.cancel(at=EPOCH)
    _cancel_next_transaction(stub, *reasons)
    with pytest.raises(expected, match=message) as got:
        store.save(order, expected_version=1, events=[event])
    _assert_translated(got)


def test_an_unreachable_endpoint_is_store_unavailable(aws_test_environment: None) -> None:
    closed = f"http://{HOST}:{free_port()}"
    client = make_dynamodb_client(endpoint_url=closed, region="us-east-1", max_attempts=2)
    store = DynamoDbOrderRepository(client, TABLE, cursor_key=CURSOR_KEY)
    with pytest.raises(StoreUnavailable, match="could not be reached") as got:
        store.get(OrderId("order-1"))
    _assert_translated(got)


def test_a_server_that_never_answers_is_store_unavailable(aws_test_environment: None) -> None:
    with closing(socket.socket()) as silent:
        silent.bind((HOST, 0))
        silent.listen()
        accepted: list[socket.socket] = []
        threading.Thread(target=lambda: accepted.append(silent.accept()[0]), daemon=True).start()
        client = make_dynamodb_client(
            endpoint_url=f"http://{HOST}:{silent.getsockname()[1]}",
            region="us-east-1",
            max_attempts=1,
            read_timeout=0.3,
        )
        store = DynamoDbOrderRepository(client, TABLE, cursor_key=CURSOR_KEY)
        with pytest.raises(StoreUnavailable, match="timeout") as got:
            store.get(OrderId("order-1"))
        _assert_translated(got)
        for connection in accepted:
            connection.close()


def test_a_client_without_credentials_is_a_store_error_not_a_retry_later(
    aws_test_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    client = make_dynamodb_client(
        endpoint_url=f"http://{HOST}:{free_port()}", region="us-east-1", max_attempts=1
    )
    store = DynamoDbOrderRepository(client, TABLE, cursor_key=CURSOR_KEY)
    with pytest.raises(StoreError, match="could not be called") as got:
        store.get(OrderId("order-1"))
    _assert_translated(got)
