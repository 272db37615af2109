"""Where ``orders serve`` and ``orders invoke`` keep their data, as settings variables.

The entrypoints read their configuration from ``ORDERS_*`` environment variables, in AWS and
locally alike (:mod:`orders_lambda.settings`). This module works out those variables for a
local run: the SQLite file (``.orders/orders.sqlite3`` under the working directory unless
``--db`` says otherwise) or a DynamoDB endpoint, a cursor-signing key generated once and kept
next to the data, and an optional flags file. The local process then sets them on itself
before the first entrypoint is loaded.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TextIO

DEFAULT_DB: Final = Path(".orders") / "orders.sqlite3"
CURSOR_KEY_FILE: Final = "cursor.key"
ORDERS_TABLE_NAME: Final = "orders-local"
IDEMPOTENCY_TABLE_NAME: Final = "orders-local-idempotency"

# Only used when nothing in the environment says otherwise: a local DynamoDB endpoint (moto,
# DynamoDB Local) accepts any credentials, and boto3 refuses to start without some.
_LOCAL_AWS_DEFAULTS: Final = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
}
# Tracing needs an X-Ray daemon, which a workstation does not run.
_LOCAL_POWERTOOLS_DEFAULTS: Final = {"POWERTOOLS_TRACE_DISABLED": "true"}


class WorkspaceError(ValueError):
    """The workspace cannot be used as given (e.g. ``--db`` names a directory)."""


@dataclass(frozen=True, slots=True)
class Workspace:
    """What a local run stores where; see the module docstring."""

    db: Path = DEFAULT_DB
    dynamodb_endpoint: str | None = None
    flags: Path | None = None
    # How long new orders have to be paid (orders serve --payment-deadline); None: the
    # flags file's payment_deadline_minutes, else 30 minutes.
    payment_deadline_seconds: int | None = None

    @property
    def data_dir(self) -> Path:
        return self.db.resolve().parent

    @property
    def store(self) -> str:
        return "dynamodb" if self.dynamodb_endpoint else "sqlite"

    def activate(self) -> None:
        """Configure this process for the workspace (and create missing DynamoDB tables)."""
        apply(self)
        if self.dynamodb_endpoint:
            prepare_dynamodb(self.dynamodb_endpoint)

    def prepare(self) -> str | None:
        """Check ``db`` before any store opens it; a note to show when it is new.

        WorkspaceError when it cannot hold a database (a directory, or under a file). A path
        with no file yet is fine: a first run, or a mistyped ``--db``; the note says a new,
        empty database is being created, so a typo does not go unnoticed.
        """
        if self.dynamodb_endpoint:
            return None
        db = self.db
        if db.is_dir():
            raise WorkspaceError(
                f"--db {db} is a directory; name a database file, e.g. --db {db / DEFAULT_DB.name}"
            )
        folder = db.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir():
            raise WorkspaceError(f"--db {db}: {folder} is a file, not a folder")
        if db.exists():
            return None
        made = "" if db.parent.is_dir() else " (and its folder)"
        return f"orders: no database at {db.resolve()}; creating a new, empty one{made}"

    def describe(self) -> str:
        if self.dynamodb_endpoint:
            return f"DynamoDB at {self.dynamodb_endpoint} (table {ORDERS_TABLE_NAME})"
        return f"SQLite file {self.db.resolve()}"


def checked(workspace: Workspace, notes: TextIO = sys.stderr) -> Workspace:
    """``workspace`` once :meth:`Workspace.prepare` passed, its note written to ``notes``;
    otherwise SystemExit with the one-line reason (what the ``orders`` commands do)."""
    try:
        note = workspace.prepare()
    except WorkspaceError as exc:
        raise SystemExit(f"orders: {exc}") from None
    if note:
        notes.write(f"{note}\n")
    return workspace


def cursor_key(data_dir: Path) -> str:
    """The cursor-signing key kept in ``data_dir``, made on first use (readable by us only).

    Kept rather than drawn per run, so a page cursor handed out before a restart still works
    after it. Created exclusively: two processes starting at once agree on one key.
    """
    path = data_dir / CURSOR_KEY_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key


def settings_environment(workspace: Workspace) -> dict[str, str]:
    """The ``ORDERS_*`` variables that configure the entrypoints for ``workspace``."""
    variables = {
        "ORDERS_STORE": workspace.store,
        "ORDERS_CURSOR_KEY": cursor_key(workspace.data_dir),
    }
    if workspace.dynamodb_endpoint:
        variables |= {
            "ORDERS_DYNAMODB_ENDPOINT": workspace.dynamodb_endpoint,
            "ORDERS_TABLE_NAME": ORDERS_TABLE_NAME,
            "ORDERS_IDEMPOTENCY_TABLE": IDEMPOTENCY_TABLE_NAME,
        }
    else:
        variables["ORDERS_SQLITE_PATH"] = str(workspace.db.resolve())
    if workspace.flags is not None:
        variables |= {
            "ORDERS_FLAGS_SOURCE": "file",
            "ORDERS_FLAGS_FILE": str(workspace.flags.resolve()),
        }
    if workspace.payment_deadline_seconds is not None:
        variables["ORDERS_PAYMENT_DEADLINE_SECONDS"] = str(workspace.payment_deadline_seconds)
    return variables


def apply(workspace: Workspace, environ: dict[str, str] | None = None) -> Mapping[str, str]:
    """Set the variables for ``workspace`` on ``environ`` (this process's by default).

    The workspace's own variables win over inherited ones (``--db`` means that file); the
    local defaults for AWS and Powertools only fill gaps.
    """
    target = os.environ if environ is None else environ
    variables = settings_environment(workspace)
    defaults = dict(_LOCAL_POWERTOOLS_DEFAULTS)
    if workspace.dynamodb_endpoint and not (
        target.get("AWS_ACCESS_KEY_ID") or target.get("AWS_PROFILE")
    ):
        defaults |= _LOCAL_AWS_DEFAULTS
    for name, value in defaults.items():
        target.setdefault(name, value)
    target.update(variables)
    return variables


def prepare_dynamodb(endpoint: str) -> None:
    """Create the orders and idempotency tables at ``endpoint`` where they are missing."""
    from orders_adapters.dynamodb import (  # boto3 only for this option
        create_orders_table,
        make_dynamodb_client,
    )
    from orders_adapters.table_definition import (
        IDEMPOTENCY_TABLE,
        ORDERS_TABLE,
    )

    client = make_dynamodb_client(endpoint_url=endpoint)
    existing = set(client.list_tables()["TableNames"])
    for name, definition in (
        (ORDERS_TABLE_NAME, ORDERS_TABLE),
        (IDEMPOTENCY_TABLE_NAME, IDEMPOTENCY_TABLE),
    ):
        if name not in existing:
            create_orders_table(client, name, definition)


__all__ = [
    "DEFAULT_DB",
    "IDEMPOTENCY_TABLE_NAME",
    "ORDERS_TABLE_NAME",
    "Workspace",
    "WorkspaceError",
    "apply",
    "checked",
    "cursor_key",
    "prepare_dynamodb",
    "settings_environment",
]
