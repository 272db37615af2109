"""The composition root: providers resolve, selected by settings, and can be overridden."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from dependency_injector import errors, providers

from orders_adapters.appconfig import FeatureFlagsPricing
from orders_adapters.dynamodb import DynamoDbOrderRepository
from orders_adapters.memory import InMemoryOrderRepository
from orders_adapters.sqlite import SqliteOrderRepository
from orders_core import NewLine, NoDiscounts, PlaceOrder, Principal
from orders_lambda import bootstrap
from orders_lambda import container as containers
from orders_lambda.http.idempotency import IdempotentCommand
from orders_lambda.http.idempotency_store import SqliteIdempotencyStore
from orders_lambda.settings import Settings, load_settings
from tests.support.scripts import run_script

LINES = [NewLine("SKU-1", 1, "10.00")]


def test_every_dependency_is_provided(settings: Settings) -> None:
    containers.build(settings).check_dependencies()


def test_a_container_without_settings_says_so() -> None:
    with pytest.raises(errors.Error, match="settings"):
        containers.Container().check_dependencies()


def test_the_memory_store_and_no_discounts_by_default(settings: Settings) -> None:
    built = containers.build(settings)
    assert isinstance(built.repo(), InMemoryOrderRepository)
    assert built.repo() is built.repo()  # one store per cold start
    assert isinstance(built.pricing(), NoDiscounts)
    assert isinstance(built.place_order(), PlaceOrder)
    assert built.place_order() is not built.place_order()  # use cases are cheap factories
    assert isinstance(built.idempotent_creation(), IdempotentCommand)
    assert isinstance(built.idempotency_store(), SqliteIdempotencyStore)


def test_the_sqlite_store_is_selected_by_settings(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environment.setenv("ORDERS_STORE", "sqlite")
    environment.setenv("ORDERS_SQLITE_PATH", str(tmp_path / "orders.db"))
    repo = containers.build(load_settings()).repo()
    assert isinstance(repo, SqliteOrderRepository)
    repo.close()


def test_the_dynamodb_store_is_selected_by_settings(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("ORDERS_STORE", "dynamodb")
    environment.setenv("ORDERS_TABLE_NAME", "orders")
    environment.setenv("ORDERS_IDEMPOTENCY_TABLE", "orders-idempotency")
    environment.setenv("ORDERS_DYNAMODB_ENDPOINT", "http://127.0.0.1:1")
    environment.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    built = containers.build(load_settings())
    assert isinstance(built.repo(), DynamoDbOrderRepository)
    assert type(built.idempotency_store()).__name__ == "DynamoDBPersistenceLayer"


def test_the_flags_file_source_prices_from_the_file(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    flags = tmp_path / "flags.json"
    flags.write_text("{}")
    environment.setenv("ORDERS_FLAGS_SOURCE", "file")
    environment.setenv("ORDERS_FLAGS_FILE", str(flags))
    assert isinstance(containers.build(load_settings()).pricing(), FeatureFlagsPricing)


def test_tests_override_a_store(settings: Settings) -> None:
    built = containers.build(settings)
    mine = InMemoryOrderRepository()
    with built.repo.override(providers.Object(mine)):
        assert built.repo() is mine
    assert built.repo() is not mine


def test_the_container_is_built_once_and_on_first_use(settings: Settings) -> None:
    bootstrap.install(None)
    first = bootstrap.container()
    assert bootstrap.container() is first
    bootstrap.install(None)


_SERVE_ONE = """
    import json, os, sys
    os.environ.update(ORDERS_STORE="sqlite", ORDERS_SQLITE_PATH={path!r},
                      ORDERS_CURSOR_KEY="k" * 40)
    import orders_lambda.entrypoints.{module} as entrypoint
    from orders_lambda import bootstrap
    built_at_import = bool(bootstrap._built) or "orders_adapters.sqlite" in sys.modules
    from tests.support.apigw import NEW_ORDER, FakeLambdaContext, rest_event
    body = NEW_ORDER if {method!r} == "POST" else None
    event = rest_event({method!r}, {path_in_api!r}, body=body)
    answer = entrypoint.handler(event, FakeLambdaContext())
    print(json.dumps({{
        "built_at_import": built_at_import,
        "status": answer["statusCode"],
        "loaded": sorted(m for m in ("boto3", "orders_adapters.dynamodb",
                                     "aws_lambda_powertools.utilities.idempotency",
                                     "orders_lambda.http.openapi") if m in sys.modules),
    }}))
"""


@pytest.mark.parametrize(
    ("module", "method", "path", "status"),
    [
        ("get_order", "GET", "/orders/x", 404),
        ("create_order", "POST", "/orders", 201),
        ("list_orders", "GET", "/orders", 200),
    ],
)
def test_an_entrypoint_builds_nothing_at_import_and_loads_only_its_path(
    tmp_path: Path, module: str, method: str, path: str, status: int
) -> None:
    # On the SQLite store: no AWS SDK, no idempotency layer without a key, no OpenAPI models.
    script = _SERVE_ONE.format(
        path=str(tmp_path / "o.db"), module=module, method=method, path_in_api=path
    )
    outcome = json.loads(run_script(script).splitlines()[-1])
    assert outcome == {"built_at_import": False, "status": status, "loaded": []}


def _placed_deadline(built: containers.Container) -> timedelta:
    order = built.place_order()(Principal.customer("alice"), currency="EUR", lines=LINES)
    assert order.payment_due is not None
    return order.payment_due - order.created_at


def test_a_new_order_has_thirty_minutes_to_be_paid_by_default(settings: Settings) -> None:
    assert _placed_deadline(containers.build(settings)) == timedelta(minutes=30)


def _flags_with_deadline(environment: pytest.MonkeyPatch, tmp_path: Path, minutes: int) -> None:
    flags = tmp_path / "flags.json"
    document = {"payment_deadline_minutes": {"boolean_type": False, "default": minutes}}
    flags.write_text(json.dumps(document), encoding="utf-8")
    environment.setenv("ORDERS_FLAGS_SOURCE", "file")
    environment.setenv("ORDERS_FLAGS_FILE", str(flags))


def test_the_flags_document_sets_the_payment_deadline(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _flags_with_deadline(environment, tmp_path, 45)
    built = containers.build(load_settings())
    deadlines: object = built.deadlines()
    assert deadlines is built.pricing()  # one flags object answers both ports
    assert _placed_deadline(built) == timedelta(minutes=45)


def test_a_set_payment_deadline_wins_over_the_flags(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _flags_with_deadline(environment, tmp_path, 45)
    environment.setenv("ORDERS_PAYMENT_DEADLINE_SECONDS", "120")
    assert _placed_deadline(containers.build(load_settings())) == timedelta(minutes=2)
