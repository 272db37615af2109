"""The consumers' use cases and the outbox publisher, from the one container.

Built while Lambda initialises the function (see :mod:`orders_lambda.lambda_init`), elsewhere
on the first invocation; a misconfigured function fails with SettingsError naming the
variable, as the HTTP entrypoints do.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from orders_core import MarkDelivered, MarkPaid, MarkShipped
from orders_lambda import container as containers
from orders_lambda import observability
from orders_lambda.settings import ENV_PREFIX, SettingsError

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

    from orders_lambda.container import Container
    from orders_lambda.publisher import EventPublisher

_configured = threading.Event()


def _container() -> Container:
    container = containers.current()
    if not _configured.is_set():
        observability.configure(container.settings())
        _configured.set()
    return container


def mark_paid() -> MarkPaid:
    return _container().mark_paid()


def mark_shipped() -> MarkShipped:
    return _container().mark_shipped()


def mark_delivered() -> MarkDelivered:
    return _container().mark_delivered()


def event_publisher() -> EventPublisher:
    """The process's EventBridge publisher (a container Singleton)."""
    return _container().event_publisher()


class EventSettings(BaseSettings):
    """The publisher's settings (``ORDERS_EVENT_BUS_NAME`` ...), read on its first call."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="ignore", case_sensitive=False
    )

    event_bus_name: Annotated[str, Field(min_length=1, max_length=256)]
    event_source: Annotated[str, Field(min_length=1, max_length=256)] = "orders"
    events_endpoint: str | None = None


def load_event_settings() -> EventSettings:
    try:
        return EventSettings()  # type: ignore[call-arg]  # read from the environment
    except ValidationError as exc:
        names = ", ".join(
            f"{ENV_PREFIX}{str(error['loc'][0]).upper()}" for error in exc.errors() if error["loc"]
        )
        raise SettingsError(f"invalid configuration: {names}") from None


def make_events_client(
    endpoint_url: str | None = None, *, max_attempts: int = 4, read_timeout: float = 5.0
) -> EventBridgeClient:
    """An EventBridge client with explicit retries and timeouts (one per process)."""
    from orders_adapters.aws_clients import session_and_config

    session, config = session_and_config(
        max_attempts=max_attempts, connect_timeout=2.0, read_timeout=read_timeout
    )
    return session.client("events", endpoint_url=endpoint_url, config=config)


def build_event_publisher() -> EventPublisher:
    """An EventBridge publisher on the bus the settings name (the container calls this once)."""
    from orders_adapters.eventbridge import EventBridgePublisher

    settings = load_event_settings()
    client = make_events_client(settings.events_endpoint)
    return EventBridgePublisher(client, settings.event_bus_name, source=settings.event_source)
