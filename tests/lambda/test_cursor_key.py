"""The cursor key comes from Secrets Manager (a moto server on loopback here), once per process,
and only the functions told its secret import what it takes to read it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters

from orders_core import CursorCodec, Principal
from orders_lambda import container as containers
from orders_lambda.cursor_key import read_cursor_key
from orders_lambda.settings import SettingsError, load_settings
from tests.support.builders import placed_order
from tests.support.fakes import EPOCH
from tests.support.moto_server import AWS_TEST_ENVIRONMENT
from tests.support.scripts import run_script

SECRET_KEY = "secret-held-cursor-key-0123456789abcdef"  # noqa: S105 - a test value


@pytest.fixture
def secrets_manager(moto_endpoint: str, environment: pytest.MonkeyPatch) -> Iterator[Any]:
    """A Secrets Manager client on the moto server, and Powertools pointed at the same one."""
    environment.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_endpoint)
    # Powertools keeps its provider (and its client) per process.
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    yield boto3.client("secretsmanager", endpoint_url=moto_endpoint)
    parameters.clear_caches()  # type: ignore[no-untyped-call]


def _secret(client: Any, value: str) -> str:
    name = f"orders-test-cursor-key-{uuid.uuid4().hex[:8]}"
    client.create_secret(Name=name, SecretString=value)
    return name


@pytest.mark.integration
def test_a_function_told_the_secret_signs_with_the_key_it_holds(
    secrets_manager: Any, environment: pytest.MonkeyPatch
) -> None:
    environment.delenv("ORDERS_CURSOR_KEY")
    environment.setenv("ORDERS_CURSOR_KEY_SECRET", _secret(secrets_manager, SECRET_KEY))
    container = containers.build(load_settings())
    repo = container.repo()
    for number in range(2):
        order, event = placed_order(f"order-{number}", at=EPOCH + timedelta(minutes=number))
        repo.add(order, [event])
    alice = Principal.customer("customer-1")
    page = container.list_orders()(alice, limit=1)
    assert page.next_cursor is not None
    # Cursors are bound to the customer and the query: this one to customer-1, any status.
    scope = {"customer": "customer-1", "status": ""}
    assert CursorCodec(SECRET_KEY.encode()).decode(page.next_cursor, scope)


@pytest.mark.integration
def test_a_warm_read_comes_from_the_cache_not_from_secrets_manager(
    secrets_manager: Any,
) -> None:
    name = _secret(secrets_manager, SECRET_KEY)
    assert read_cursor_key(name) == SECRET_KEY.encode()
    secrets_manager.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    # Gone from the store, still answered: the second read never left the process.
    assert read_cursor_key(name) == SECRET_KEY.encode()


@pytest.mark.integration
def test_the_pinned_version_is_read_even_after_a_newer_one(secrets_manager: Any) -> None:
    name = _secret(secrets_manager, SECRET_KEY)
    pinned = secrets_manager.describe_secret(SecretId=name)["VersionIdsToStages"]
    (version,) = pinned
    secrets_manager.put_secret_value(SecretId=name, SecretString="n" * 40)
    assert read_cursor_key(name, version_id=version) == SECRET_KEY.encode()


@pytest.mark.integration
def test_a_secret_holding_a_short_key_is_named_but_not_shown(secrets_manager: Any) -> None:
    name = _secret(secrets_manager, "short-secret")
    with pytest.raises(SettingsError, match="ORDERS_CURSOR_KEY_SECRET") as raised:
        read_cursor_key(name)
    assert "short-secret" not in str(raised.value)


def test_a_key_and_a_secret_together_are_refused(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("ORDERS_CURSOR_KEY_SECRET", "orders-prod-cursor-key")
    with pytest.raises(SettingsError, match="ORDERS_CURSOR_KEY_SECRET") as raised:
        load_settings()
    assert "not both" in str(raised.value)


def test_a_pinned_version_without_its_secret_is_refused(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("ORDERS_CURSOR_KEY_VERSION", "v-1")
    with pytest.raises(SettingsError, match="ORDERS_CURSOR_KEY_VERSION"):
        load_settings()


@pytest.fixture
def dynamodb_without_a_key(environment: pytest.MonkeyPatch) -> containers.Container:
    for name, value in AWS_TEST_ENVIRONMENT.items():
        environment.setenv(name, value)
    environment.delenv("ORDERS_CURSOR_KEY")
    environment.setenv("ORDERS_STORE", "dynamodb")
    environment.setenv("ORDERS_TABLE_NAME", "orders")
    environment.setenv("ORDERS_IDEMPOTENCY_TABLE", "idempotency")
    return containers.build(load_settings())


def test_a_function_given_no_key_still_reads_and_writes_orders(
    dynamodb_without_a_key: containers.Container,
) -> None:
    # Nothing is sent: building the use cases needs no key and no call to AWS.
    assert dynamodb_without_a_key.get_order() is not None
    assert dynamodb_without_a_key.cancel_order() is not None


def test_a_function_given_no_key_refuses_to_list_orders_on_dynamodb_naming_the_variable(
    dynamodb_without_a_key: containers.Container,
) -> None:
    with pytest.raises(SettingsError, match="ORDERS_CURSOR_KEY_SECRET"):
        dynamodb_without_a_key.list_orders()


_IMPORTS_PARAMETERS = """
    import json, os, sys
    os.environ.update(ORDERS_STORE="memory", ORDERS_CURSOR_KEY="k" * 40)
    import orders_lambda.entrypoints.{module} as entrypoint
    from tests.support.apigw import FakeLambdaContext, rest_event
    entrypoint.handler(rest_event({method!r}, {path!r}), FakeLambdaContext())
    print(json.dumps("aws_lambda_powertools.utilities.parameters" in sys.modules))
"""


@pytest.mark.parametrize(
    ("module", "method", "path"),
    [("get_order", "GET", "/orders/x"), ("list_orders", "GET", "/orders")],
)
def test_a_function_not_told_a_secret_never_imports_powertools_parameters(
    module: str, method: str, path: str
) -> None:
    script = _IMPORTS_PARAMETERS.format(module=module, method=method, path=path)
    assert json.loads(run_script(script).splitlines()[-1]) is False
