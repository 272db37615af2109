"""The composition root: the one container of an execution environment, and who may have it.

Every entrypoint module (``orders_lambda.entrypoints.*``, and the local tools of
``orders_local`` that play Lambda) imports this module; nothing below the entrypoints does. An
HTTP entrypoint binds the app to :func:`container` (``api.bind(bootstrap.container)``), an
event entrypoint passes the use cases it takes from :func:`container` to its consumer: the code
they call receives what it needs and never looks anything up.

:func:`container` builds the container from the environment's
:class:`~orders_lambda.settings.Settings` once per process and configures the Logger, Metrics
and Tracer from the same settings. Inside the Lambda runtime (which sets
``AWS_LAMBDA_RUNTIME_API``) an entrypoint calls :func:`init` at import, so a missing or
malformed variable fails the function's init with a SettingsError naming it, before any event
is taken, and the clients are made while Lambda gives the function its full CPU. Everywhere else
(tests, ``orders serve``, ``orders invoke``) the container is built on first use, so importing an
entrypoint stays free of configuration.
"""

from __future__ import annotations

import os
import threading
from typing import Final

from orders_lambda import observability
from orders_lambda.container import Container, build
from orders_lambda.settings import load_settings

RUNTIME_VARIABLE: Final = "AWS_LAMBDA_RUNTIME_API"

_lock = threading.Lock()
_built: list[Container] = []  # at most one: this execution environment's


def in_lambda() -> bool:
    """True inside the Lambda runtime (or its emulator)."""
    return bool(os.environ.get(RUNTIME_VARIABLE))


def container() -> Container:
    """This environment's container, built on first call; SettingsError if misconfigured."""
    if not _built:
        with _lock:
            if not _built:
                built = build(load_settings())
                observability.configure(built.settings())
                _built.append(built)
    return _built[0]


def install(replacement: Container | None) -> None:
    """Make ``replacement`` this environment's container (None: build afresh on next use).

    For tests and the local tools, which build a container of their own.
    """
    with _lock:
        _built.clear()
        if replacement is not None:
            observability.configure(replacement.settings())
            _built.append(replacement)


def init(*, publisher: bool = False, store: bool = True, idempotency: bool = False) -> None:
    """In Lambda, build the container now, and what the first event would otherwise build:
    the Logger and Metrics, the store with its client (``store``), for the event
    ``publisher`` its EventBridge client (the provider checks the bus setting first), and for
    the create function the idempotency layer its keyed requests use (``idempotency``:
    Powertools' idempotency utility and its persistence layer, which the first keyed create
    would otherwise load). Elsewhere, nothing.

    Lambda runs init at the function's full CPU, whatever its memory size, and then serves
    the first event at the memory size's share: work moved here leaves the first request.
    """
    if not in_lambda():
        return
    built = container()
    observability.logger()
    observability.metrics()
    if publisher:
        built.event_publisher()  # a missing bus fails first, before a client is made
    if store:
        built.repo()
    if idempotency:
        built.idempotent_creation()


__all__ = ["RUNTIME_VARIABLE", "container", "in_lambda", "init", "install"]
