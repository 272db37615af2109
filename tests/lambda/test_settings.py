"""Configuration is read once, and a bad variable fails loudly, by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from orders_lambda import bootstrap
from orders_lambda import settings as configuration
from orders_lambda.settings import FlagsSource, SettingsError, StoreKind, env_name, load_settings
from tests.support.apigw import FakeLambdaContext, invoke, rest_event


def _error(environment: pytest.MonkeyPatch, **variables: str | None) -> str:
    for name, value in variables.items():
        if value is None:
            environment.delenv(name, raising=False)
        else:
            environment.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    return str(raised.value)


def test_the_defaults_serve_locally_on_the_memory_store(environment: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.store is StoreKind.MEMORY
    assert settings.flags_source is FlagsSource.NONE
    assert settings.local_idempotency_path == ":memory:"


def test_a_missing_store_names_the_variable(environment: pytest.MonkeyPatch) -> None:
    assert "ORDERS_STORE" in _error(environment, ORDERS_STORE=None)


def test_an_unknown_store_names_the_variable(environment: pytest.MonkeyPatch) -> None:
    message = _error(environment, ORDERS_STORE="postgres")
    assert "ORDERS_STORE" in message
    assert "dynamodb" in message


def test_a_short_cursor_key_is_named_but_not_shown(environment: pytest.MonkeyPatch) -> None:
    message = _error(environment, ORDERS_CURSOR_KEY="short-secret")
    assert "ORDERS_CURSOR_KEY" in message
    assert "short-secret" not in message


def test_dynamodb_needs_its_tables(environment: pytest.MonkeyPatch) -> None:
    message = _error(environment, ORDERS_STORE="dynamodb")
    assert "ORDERS_TABLE_NAME" in message
    assert "ORDERS_IDEMPOTENCY_TABLE" in message


def test_sqlite_needs_a_path(environment: pytest.MonkeyPatch) -> None:
    assert "ORDERS_SQLITE_PATH" in _error(environment, ORDERS_STORE="sqlite")


def test_appconfig_needs_application_environment_and_profile(
    environment: pytest.MonkeyPatch,
) -> None:
    message = _error(environment, ORDERS_FLAGS_SOURCE="appconfig", ORDERS_APPCONFIG_PROFILE="p")
    assert "ORDERS_APPCONFIG_APPLICATION" in message
    assert "ORDERS_APPCONFIG_ENVIRONMENT" in message
    assert "ORDERS_APPCONFIG_PROFILE" not in message


def test_a_malformed_number_names_the_variable(environment: pytest.MonkeyPatch) -> None:
    assert "ORDERS_MAX_BODY_BYTES" in _error(environment, ORDERS_MAX_BODY_BYTES="lots")


def test_powertools_variables_keep_their_names(environment: pytest.MonkeyPatch) -> None:
    assert "POWERTOOLS_SERVICE_NAME" in _error(environment, POWERTOOLS_SERVICE_NAME="")


def test_the_sqlite_store_keeps_idempotency_records_next_to_the_orders(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environment.setenv("ORDERS_STORE", "sqlite")
    environment.setenv("ORDERS_SQLITE_PATH", str(tmp_path / "orders.db"))
    assert load_settings().local_idempotency_path == str(tmp_path / "orders.db.idempotency")


def test_a_misconfigured_function_fails_its_invocation_naming_the_variable(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.delenv("ORDERS_STORE")
    bootstrap.install(None)
    with pytest.raises(SettingsError, match="ORDERS_STORE"):
        invoke(rest_event("GET", "/orders/order-1"), FakeLambdaContext())
    bootstrap.install(None)


def test_tracing_is_on_only_inside_lambda_unless_disabled(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    assert not load_settings().tracing
    environment.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-get-order")
    assert load_settings().tracing
    environment.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    assert not load_settings().tracing


def test_a_dynamodb_endpoint_must_be_a_url(environment: pytest.MonkeyPatch) -> None:
    assert "ORDERS_DYNAMODB_ENDPOINT" in _error(environment, ORDERS_DYNAMODB_ENDPOINT="localhost")


def test_variable_names_are_matched_regardless_of_case(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environment.delenv("ORDERS_STORE")
    environment.setenv("orders_store", "sqlite")
    environment.setenv("Orders_Sqlite_Path", str(tmp_path / "orders.db"))
    environment.setenv("powertools_service_name", "billing")
    settings = load_settings()
    assert settings.store is StoreKind.SQLITE
    assert settings.sqlite_path == tmp_path / "orders.db"
    assert settings.service_name == "billing"


def test_an_empty_variable_is_a_value_not_the_default(environment: pytest.MonkeyPatch) -> None:
    assert "ORDERS_STAFF_GROUP" in _error(environment, ORDERS_STAFF_GROUP="")


# Values a variable may hold: each field kind's plain ones and the ones only pydantic decides.
_CANDIDATES = (
    *("", " ", "1", "0", "01", "0120", " 120 ", "+5", "-1", "1e3", "1_000", "59", "60", "3600"),
    *("1024", "65536", "1048577", "true", "false", "TRUE", "yes", "off", "maybe"),
    *("memory", "sqlite", "dynamodb", "MEMORY", "file", "appconfig", "none"),
    *("x" * 31, "k" * 32, "s" * 257, "é", "orders", "a\n", "http://127.0.0.1:1", "https://e/x"),
    *("http://a b", "http://x\n", "localhost", "orders.db"),
)
_KEYS = [
    env_name(field) if info.validation_alias is not None else field
    for field, info in configuration.Settings.model_fields.items()
]


def _verdict(read: object) -> object:
    try:
        settings = read()  # type: ignore[operator]
    except SettingsError as exc:
        return str(exc)
    return {field: (type(value), value) for field, value in settings}


@examples(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(_KEYS),
        st.sampled_from(_CANDIDATES) | st.text(max_size=12),
        max_size=len(_KEYS),
    ).map(lambda found: {"store": "memory", **found})
)
def test_the_plain_reading_agrees_with_pydantic_wherever_it_decides(found: dict[str, str]) -> None:
    try:
        plain = configuration._read_plainly(found)
    except configuration._Unsure:
        return  # load_settings leaves it to pydantic
    assert _verdict(lambda: plain) == _verdict(lambda: configuration._validated(found))
