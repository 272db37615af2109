"""The composition root: one dependency-injector container per cold start.

Stores, clients and the pricing policy are ``Singleton``s (made once, on first use); use cases
are ``Factory``s over them. Providers are annotated with the port they provide and built by
small functions whose return type is that port, so mypy checks every adapter against its
port. Adapter modules are imported inside those functions: a function on the SQLite store
never imports boto3, and a read never builds the idempotency layer.

The running container is made on the first invocation (:func:`current`), never at import
time. Tests make their own with :func:`build` and override providers, e.g.
``container.repo.override(providers.Object(InMemoryOrderRepository()))``, then install it with
:func:`install`.
"""

from __future__ import annotations

import secrets
import threading
from typing import TYPE_CHECKING

from dependency_injector import containers, providers

from orders_adapters.system import RandomOrderIds, SystemClock
from orders_core import (
    CancelOrder,
    Clock,
    DeleteOrder,
    GetOrder,
    IdGenerator,
    ListOrders,
    MarkDelivered,
    MarkPaid,
    MarkShipped,
    NoDiscounts,
    OrderRepository,
    PlaceOrder,
    PricingPolicy,
    UpdateOrderLines,
)
from orders_lambda.settings import (
    MIN_CURSOR_KEY_LENGTH,
    Settings,
    SettingsError,
    StoreKind,
    env_name,
    load_settings,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer
    from mypy_boto3_appconfigdata import AppConfigDataClient
    from mypy_boto3_dynamodb import DynamoDBClient

    from orders_lambda.http.idempotency import IdempotentCommand
    from orders_lambda.publisher import EventPublisher


def _cursor_key(settings: Settings) -> bytes | None:
    """The configured signing key: as given, or read from its secret; None when neither is set."""
    if settings.cursor_key is not None:
        return settings.cursor_key.get_secret_value().encode()
    if settings.cursor_key_secret is not None:
        # Only a function told the secret imports Powertools Parameters (cold start).
        from orders_lambda.cursor_key import read_cursor_key

        return read_cursor_key(settings.cursor_key_secret, version_id=settings.cursor_key_version)
    return None


def _has_cursor_key(settings: Settings) -> bool:
    return settings.cursor_key is not None or settings.cursor_key_secret is not None


def _memory_repo(settings: Settings) -> OrderRepository:
    from orders_adapters.memory import InMemoryOrderRepository

    return InMemoryOrderRepository(_cursor_key(settings))


def _sqlite_repo(settings: Settings) -> OrderRepository:
    from orders_adapters.sqlite import SqliteOrderRepository

    assert settings.sqlite_path is not None  # noqa: S101 - Settings requires it for sqlite
    return SqliteOrderRepository(settings.sqlite_path, cursor_key=_cursor_key(settings))


def _dynamodb_client(settings: Settings) -> DynamoDBClient:
    from orders_adapters.dynamodb import make_dynamodb_client

    return make_dynamodb_client(endpoint_url=settings.dynamodb_endpoint)


def _dynamodb_repo(settings: Settings, client: DynamoDBClient) -> OrderRepository:
    from orders_adapters.dynamodb import DynamoDbOrderRepository

    assert settings.table_name is not None  # noqa: S101 - Settings requires it for dynamodb
    # Deployed, only list_orders signs cursors and may read the key; every other function is
    # given none and signs with a throwaway key it never uses (_listing refuses to list so).
    key = _cursor_key(settings) or secrets.token_bytes(MIN_CURSOR_KEY_LENGTH)
    return DynamoDbOrderRepository(client, settings.table_name, cursor_key=key)


def _listing(settings: Settings, repo: OrderRepository) -> ListOrders:
    # A process-local key would sign cursors that other execution environments reject: on
    # DynamoDB (many environments, one table) a function that lists must be given the key.
    if settings.store is StoreKind.DYNAMODB and not _has_cursor_key(settings):
        raise SettingsError(
            f"{env_name('cursor_key_secret')} (or {env_name('cursor_key')}) must be set "
            "for a function that lists orders on DynamoDB"
        )
    return ListOrders(repo=repo)


def _appconfig_client() -> AppConfigDataClient:
    from orders_adapters.appconfig import make_appconfig_client

    return make_appconfig_client()


def _count_flags_failure(reason: str) -> None:
    from orders_lambda.metric_names import FLAG_FAILURES
    from orders_lambda.observability import count

    count(FLAG_FAILURES, reason=reason)


def _appconfig_pricing(settings: Settings, client: AppConfigDataClient) -> PricingPolicy:
    from orders_adapters.appconfig import appconfig_pricing
    from orders_lambda.observability import logger

    assert settings.appconfig_application is not None  # noqa: S101 - required by Settings
    assert settings.appconfig_environment is not None  # noqa: S101
    assert settings.appconfig_profile is not None  # noqa: S101
    return appconfig_pricing(
        client,
        application=settings.appconfig_application,
        environment=settings.appconfig_environment,
        profile=settings.appconfig_profile,
        max_age=settings.appconfig_max_age_seconds,
        logger=logger(),
        on_failure=_count_flags_failure,
    )


def _file_pricing(settings: Settings) -> PricingPolicy:
    from orders_adapters.appconfig import file_pricing
    from orders_lambda.observability import logger

    assert settings.flags_file is not None  # noqa: S101 - required by Settings
    return file_pricing(settings.flags_file, logger=logger(), on_failure=_count_flags_failure)


def _no_discounts() -> PricingPolicy:
    return NoDiscounts()


def _dynamodb_idempotency(settings: Settings, client: DynamoDBClient) -> BasePersistenceLayer:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from orders_adapters.table_definition import IDEMPOTENCY_TABLE

    assert settings.idempotency_table is not None  # noqa: S101 - required by Settings
    return DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table,
        key_attr=IDEMPOTENCY_TABLE.partition_key,
        expiry_attr=IDEMPOTENCY_TABLE.ttl_attribute,
        boto3_client=client,
    )


def _local_idempotency(settings: Settings) -> BasePersistenceLayer:
    from orders_lambda.http.idempotency_store import SqliteIdempotencyStore

    return SqliteIdempotencyStore(settings.local_idempotency_path)


def _idempotent_creation(settings: Settings, store: BasePersistenceLayer) -> IdempotentCommand:
    from orders_lambda.http.idempotency import IdempotentCommand

    return IdempotentCommand(store, expires_after_seconds=settings.idempotency_ttl_seconds)


def _event_publisher() -> EventPublisher:
    from orders_lambda.consumers.wiring import build_event_publisher

    return build_event_publisher()


def _store_kind(settings: Settings) -> str:
    return settings.store.value


def _flags_source(settings: Settings) -> str:
    return settings.flags_source.value


def _idempotency_kind(settings: Settings) -> str:
    return "dynamodb" if settings.store is StoreKind.DYNAMODB else "local"


class Container(containers.DeclarativeContainer):
    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)

    clock: providers.Provider[Clock] = providers.Singleton(SystemClock)
    ids: providers.Provider[IdGenerator] = providers.Singleton(RandomOrderIds)

    dynamodb_client: providers.Provider[DynamoDBClient] = providers.Singleton(
        _dynamodb_client, settings
    )
    appconfig_client: providers.Provider[AppConfigDataClient] = providers.Singleton(
        _appconfig_client
    )

    repo: providers.Provider[OrderRepository] = providers.Selector(
        providers.Callable(_store_kind, settings),
        memory=providers.Singleton(_memory_repo, settings),
        sqlite=providers.Singleton(_sqlite_repo, settings),
        dynamodb=providers.Singleton(_dynamodb_repo, settings, dynamodb_client),
    )
    pricing: providers.Provider[PricingPolicy] = providers.Selector(
        providers.Callable(_flags_source, settings),
        appconfig=providers.Singleton(_appconfig_pricing, settings, appconfig_client),
        file=providers.Singleton(_file_pricing, settings),
        none=providers.Singleton(_no_discounts),
    )
    idempotency_store: providers.Provider[BasePersistenceLayer] = providers.Selector(
        providers.Callable(_idempotency_kind, settings),
        dynamodb=providers.Singleton(_dynamodb_idempotency, settings, dynamodb_client),
        local=providers.Singleton(_local_idempotency, settings),
    )
    idempotent_creation: providers.Provider[IdempotentCommand] = providers.Singleton(
        _idempotent_creation, settings, idempotency_store
    )

    place_order: providers.Provider[PlaceOrder] = providers.Factory(
        PlaceOrder, repo=repo, pricing=pricing, clock=clock, ids=ids
    )
    get_order: providers.Provider[GetOrder] = providers.Factory(GetOrder, repo=repo)
    list_orders: providers.Provider[ListOrders] = providers.Factory(
        _listing, settings=settings, repo=repo
    )
    update_order: providers.Provider[UpdateOrderLines] = providers.Factory(
        UpdateOrderLines, repo=repo, clock=clock
    )
    cancel_order: providers.Provider[CancelOrder] = providers.Factory(
        CancelOrder, repo=repo, clock=clock
    )
    delete_order: providers.Provider[DeleteOrder] = providers.Factory(
        DeleteOrder, repo=repo, clock=clock
    )

    # The event consumers' transitions and the outbox publisher (orders_lambda.consumers).
    mark_paid: providers.Provider[MarkPaid] = providers.Factory(MarkPaid, repo=repo, clock=clock)
    mark_shipped: providers.Provider[MarkShipped] = providers.Factory(
        MarkShipped, repo=repo, clock=clock
    )
    mark_delivered: providers.Provider[MarkDelivered] = providers.Factory(
        MarkDelivered, repo=repo, clock=clock
    )
    event_publisher: providers.Provider[EventPublisher] = providers.Singleton(_event_publisher)


def build(settings: Settings | None = None) -> Container:
    """A container over ``settings`` (read from the environment when omitted)."""
    container = Container(settings=providers.Object(settings or load_settings()))
    container.check_dependencies()
    return container


_lock = threading.Lock()
_running: list[Container] = []  # at most one: the container of this process


def current() -> Container:
    """The process's container, built on first call; SettingsError if misconfigured."""
    if not _running:
        with _lock:
            if not _running:
                _running.append(build())
    return _running[0]


def install(container: Container | None) -> None:
    """Make ``container`` the process's container (None: build afresh on next use)."""
    with _lock:
        _running.clear()
        if container is not None:
            _running.append(container)


__all__ = ["Container", "build", "current", "install"]
