"""Inside the Lambda runtime a misconfigured function fails its init, naming the variable;
elsewhere importing an entrypoint needs no configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orders_lambda.bootstrap import RUNTIME_VARIABLE
from orders_lambda.routes import EVENT_ENTRYPOINTS, entrypoints

ENTRYPOINT_MODULES = sorted(
    entrypoint.partition(":")[0] for entrypoint in (*entrypoints(), *EVENT_ENTRYPOINTS)
)
VALID = {
    "ORDERS_STORE": "memory",
    "ORDERS_CURSOR_KEY": "k" * 40,
    "ORDERS_EVENT_BUS_NAME": "orders-test",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "AWS_DEFAULT_REGION": "eu-west-1",  # Lambda always sets it; init makes the clients
}


def _import(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERS_", "AWS_"))}
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("module", ENTRYPOINT_MODULES)
def test_in_lambda_a_missing_variable_fails_the_import_naming_it(module: str) -> None:
    missing = {k: v for k, v in VALID.items() if k != "ORDERS_STORE"}
    done = _import(module, {**missing, RUNTIME_VARIABLE: "127.0.0.1:9001"})
    assert done.returncode != 0
    assert "SettingsError" in done.stderr
    assert "ORDERS_STORE" in done.stderr


@pytest.mark.parametrize("module", ENTRYPOINT_MODULES)
def test_in_lambda_a_configured_function_initialises(module: str) -> None:
    done = _import(module, {**VALID, RUNTIME_VARIABLE: "127.0.0.1:9001"})
    assert done.returncode == 0, done.stderr


def test_outside_lambda_an_entrypoint_imports_without_configuration() -> None:
    done = _import("orders_lambda.entrypoints.get_order", {})
    assert done.returncode == 0, done.stderr


def test_in_lambda_the_publisher_without_a_bus_fails_its_init_naming_it() -> None:
    missing = {k: v for k, v in VALID.items() if k != "ORDERS_EVENT_BUS_NAME"}
    done = _import(
        "orders_lambda.entrypoints.publisher", {**missing, RUNTIME_VARIABLE: "127.0.0.1:9001"}
    )
    assert done.returncode != 0
    assert "ORDERS_EVENT_BUS_NAME" in done.stderr


def test_in_lambda_init_opens_the_store_before_any_event(tmp_path: Path) -> None:
    database = tmp_path / "orders.db"
    store = {**VALID, "ORDERS_STORE": "sqlite", "ORDERS_SQLITE_PATH": str(database)}
    done = _import("orders_lambda.entrypoints.get_order", {**store, RUNTIME_VARIABLE: "x:1"})
    assert done.returncode == 0, done.stderr
    assert database.exists()  # the store was built (and migrated its schema) at init


def test_init_leaves_the_store_alone_outside_lambda_and_for_the_document(tmp_path: Path) -> None:
    database = tmp_path / "orders.db"
    store = {**VALID, "ORDERS_STORE": "sqlite", "ORDERS_SQLITE_PATH": str(database)}
    assert _import("orders_lambda.entrypoints.get_order", store).returncode == 0
    done = _import("orders_lambda.entrypoints.docs", {**store, RUNTIME_VARIABLE: "x:1"})
    assert done.returncode == 0, done.stderr
    assert not database.exists()


def test_in_lambda_the_create_function_builds_its_idempotency_layer_at_init(
    tmp_path: Path,
) -> None:
    database = tmp_path / "orders.db"
    records = tmp_path / "orders.db.idempotency"  # the SQLite store keeps them beside it
    store = {**VALID, "ORDERS_STORE": "sqlite", "ORDERS_SQLITE_PATH": str(database)}
    done = _import("orders_lambda.entrypoints.get_order", {**store, RUNTIME_VARIABLE: "x:1"})
    assert done.returncode == 0, done.stderr
    assert not records.exists()  # a read never builds it
    assert _import("orders_lambda.entrypoints.create_order", store).returncode == 0
    assert not records.exists()  # nor does an import outside Lambda
    done = _import("orders_lambda.entrypoints.create_order", {**store, RUNTIME_VARIABLE: "x:1"})
    assert done.returncode == 0, done.stderr
    assert records.exists()
