"""Configuration checked while Lambda initialises a function, not on its first invocation.

Inside the Lambda runtime (which sets ``AWS_LAMBDA_RUNTIME_API``), importing an entrypoint
builds the process's container, and so reads and validates the ``ORDERS_*`` settings: a
missing or malformed variable fails the init with a SettingsError naming it, before any
event is taken. The cost is the same as on the first invocation, which needs the container
anyway. Everywhere else (tests, ``orders serve``, ``orders invoke``) the container is built on
first use, so importing an entrypoint stays free of configuration.
"""

from __future__ import annotations

import os
from typing import Final

RUNTIME_VARIABLE: Final = "AWS_LAMBDA_RUNTIME_API"


def in_lambda() -> bool:
    """True inside the Lambda runtime (or its emulator)."""
    return bool(os.environ.get(RUNTIME_VARIABLE))


def validate_at_init(*, events: bool = False) -> None:
    """In Lambda, build the container now (``events``: check the publisher's settings too)."""
    if not in_lambda():
        return
    from orders_lambda import container

    container.current()
    if events:
        from orders_lambda.consumers.wiring import load_event_settings

        load_event_settings()


__all__ = ["RUNTIME_VARIABLE", "in_lambda", "validate_at_init"]
