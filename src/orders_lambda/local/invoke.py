"""``orders invoke FUNCTION --event FILE``: one entrypoint, one event, outside any server.

The event is used as it is, claims included: unlike the local server, nothing is added to it,
so the samples in ``events/`` carry their authorizer claims in ``requestContext``. The
function's own output (logs, metrics) goes to stderr, so stdout is only the response.
"""

from __future__ import annotations

import json
import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any, TextIO

from orders_lambda.local.app import function_name
from orders_lambda.local.context import LocalLambdaContext
from orders_lambda.routes import EVENT_ENTRYPOINTS, entrypoints, load_handler


def functions() -> dict[str, str]:
    """Each function's name (``create_order``, ..., ``docs``, ``payments``, ``shipments``,
    ``publisher``) and its entrypoint."""
    return {
        function_name(entrypoint): entrypoint for entrypoint in (*entrypoints(), *EVENT_ENTRYPOINTS)
    }


class EventFileError(ValueError):
    """The event file is missing or not a JSON object."""


def read_event(path: Path) -> dict[str, Any]:
    try:
        event = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EventFileError(f"cannot read an event from {path}: {exc}") from exc
    if not isinstance(event, dict):
        raise EventFileError(f"{path} holds {type(event).__name__}, not a JSON object")
    return event


def invoke(name: str, event: dict[str, Any], log: TextIO = sys.stderr) -> Any:
    """Run function ``name`` on ``event`` with a local context; its raw result."""
    entrypoint = functions()[name]
    with redirect_stdout(log):
        handler = load_handler(entrypoint)
        return handler(event, LocalLambdaContext(name))


__all__ = ["EventFileError", "functions", "invoke", "read_event"]
