"""The composition root: one dependency-injector container per cold start.

Stores, clients and the pricing policy are ``Singleton``s (made once, on first use); use cases
are ``Factory``s over them. Providers are annotated with the port they provide and built by
small functions whose return type is that port, so mypy checks every adapter against its
port. Adapter modules are imported inside those functions: a function on the SQLite store
never imports boto3, and a read never builds the idempotency layer.

The container is built from a :class:`~orders_lambda.settings.Settings` object by
:func:`build`. The composition root, :mod:`orders_lambda.bootstrap`, builds one per execution
environment and is the only module that hands it out: nothing here, and nothing the container
composes, imports this module at run time. Tests build their own and override providers, e.g.
``container.repo.override(providers.Object(InMemoryOrderRepository()))``, then install it with
``bootstrap.install``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from dependency_injector import containers, providers

from orders_adapters.system import RandomOrderIds, SystemClock
from orders_adapters.table_definition import IDEMPOTENCY_TABLE
from orders_core import (
    CancelOrder,
    Clock,
    DeleteOrder,
    ExpireOrder,
    FixedPaymentDeadline,
    GetOrder,
    IdGenerator,
    ListOrders,
    MarkDelivered,
    MarkPaid,
    MarkShipped,
    NoDiscounts,
    OrderRepository,
    PaymentDeadlinePolicy,
    PlaceOrder,
    PricingPolicy,
    UpdateOrderLines,
)
from orders_lambda import metric_names, observability
from orders_lambda.settings import (
    MIN_CURSOR_KEY_LENGTH,
    FlagsSource,
    Settings,
    SettingsError,
    StoreKind,
    env_name,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer
    from mypy_boto3_appconfigdata import AppConfigDataClient
    from mypy_boto3_dynamodb import DynamoDBClient

    from orders_core import EventPublisher
    from orders_lambda.http.idempotency import IdempotentCommand


def _cursor_key(settings: Settings) -> bytes | None:
    """The configured signing key: as given, or read from its secret; None when neither is set."""
    if settings.cursor_key is not None:
        return settings.cursor_key.get_secret_value().encode()
    if settings.cursor_key_secret is not None:
        # Cold start: Powertools Parameters, only where a secret is named.
        from orders_lambda.cursor_key import read_cursor_key  # noqa: PLC0415

        return read_cursor_key(settings.cursor_key_secret, version_id=settings.cursor_key_version)
    return None


def _has_cursor_key(settings: Settings) -> bool:
    return settings.cursor_key is not None or settings.cursor_key_secret is not None


def _memory_repo(settings: Settings) -> OrderRepository:
    # Cold start: only the configured store's adapter loads.
    from orders_adapters.memory import InMemoryOrderRepository  # noqa: PLC0415

    return InMemoryOrderRepository(_cursor_key(settings))


def _sqlite_repo(settings: Settings) -> OrderRepository:
    # Cold start: only the configured store's adapter loads.
    from orders_adapters.sqlite import SqliteOrderRepository  # noqa: PLC0415

    assert settings.sqlite_path is not None  # noqa: S101 - Settings requires it for sqlite
    return SqliteOrderRepository(settings.sqlite_path, cursor_key=_cursor_key(settings))


def _dynamodb_client(settings: Settings) -> DynamoDBClient:
    # Cold start: only the configured store's adapter loads.
    from orders_adapters.dynamodb import make_dynamodb_client  # noqa: PLC0415

    return make_dynamodb_client(endpoint_url=settings.dynamodb_endpoint)


def _dynamodb_repo(settings: Settings, client: DynamoDBClient) -> OrderRepository:
    # Cold start: only the configured store's adapter loads.
    from orders_adapters.dynamodb import DynamoDbOrderRepository  # noqa: PLC0415

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
    # Cold start: Powertools feature flags, only when flags are configured.
    from orders_adapters.appconfig import make_appconfig_client  # noqa: PLC0415

    return make_appconfig_client()


def _count_flags_failure(reason: str) -> None:
    observability.count(metric_names.FLAG_FAILURES, reason=reason)


def _appconfig_pricing(settings: Settings, client: AppConfigDataClient) -> PricingPolicy:
    # Cold start: Powertools feature flags, only when flags are configured.
    from orders_adapters.appconfig import appconfig_pricing  # noqa: PLC0415

    assert settings.appconfig_application is not None  # noqa: S101 - required by Settings
    assert settings.appconfig_environment is not None  # noqa: S101
    assert settings.appconfig_profile is not None  # noqa: S101
    return appconfig_pricing(
        client,
        application=settings.appconfig_application,
        environment=settings.appconfig_environment,
        profile=settings.appconfig_profile,
        max_age=settings.appconfig_max_age_seconds,
        logger=observability.logger(),
        on_failure=_count_flags_failure,
    )


def _file_pricing(settings: Settings) -> PricingPolicy:
    # Cold start: Powertools feature flags, only when flags are configured.
    from orders_adapters.appconfig import file_pricing  # noqa: PLC0415

    assert settings.flags_file is not None  # noqa: S101 - required by Settings
    return file_pricing(
        settings.flags_file, logger=observability.logger(), on_failure=_count_flags_failure
    )


def _no_discounts() -> PricingPolicy:
    return NoDiscounts()


def _deadlines(settings: Settings, pricing: PricingPolicy) -> PaymentDeadlinePolicy:
    """A set deadline when the settings give one, else the flags' (the same flags object
    that prices), else the default 30 minutes."""
    if settings.payment_deadline_seconds is not None:
        return FixedPaymentDeadline(timedelta(seconds=settings.payment_deadline_seconds))
    if settings.flags_source is not FlagsSource.NONE:
        from orders_adapters.appconfig import FeatureFlagsPricing  # noqa: PLC0415 - flags only

        if isinstance(pricing, FeatureFlagsPricing):
            return pricing
    return FixedPaymentDeadline()


def _dynamodb_idempotency(settings: Settings, client: DynamoDBClient) -> BasePersistenceLayer:
    # Cold start: only keyed creates build the idempotency layer.
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer  # noqa: PLC0415

    assert settings.idempotency_table is not None  # noqa: S101 - required by Settings
    return DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table,
        key_attr=IDEMPOTENCY_TABLE.partition_key,
        expiry_attr=IDEMPOTENCY_TABLE.ttl_attribute,
        boto3_client=client,
    )


def _local_idempotency(settings: Settings) -> BasePersistenceLayer:
    # Cold start: only keyed creates build the idempotency layer.
    from orders_lambda.http.idempotency_store import SqliteIdempotencyStore  # noqa: PLC0415

    return SqliteIdempotencyStore(settings.local_idempotency_path)


def _idempotent_creation(settings: Settings, store: BasePersistenceLayer) -> IdempotentCommand:
    # Cold start: only keyed creates build the idempotency layer.
    from orders_lambda.http.idempotency import IdempotentCommand  # noqa: PLC0415

    return IdempotentCommand(store, expires_after_seconds=settings.idempotency_ttl_seconds)


def _event_publisher(settings: Settings) -> EventPublisher:
    # Only the publisher function makes one, so only it loads the EventBridge adapter.
    # Cold start: only the publisher makes a bus client.
    from orders_adapters.eventbridge import EventBridgePublisher, make_events_client  # noqa: PLC0415

    bus = settings.bus  # first: a missing bus fails before a client is made
    client = make_events_client(settings.events_endpoint)
    return EventBridgePublisher(client, bus, source=settings.event_source)


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
    deadlines: providers.Provider[PaymentDeadlinePolicy] = providers.Singleton(
        _deadlines, settings, pricing
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
        PlaceOrder, repo=repo, pricing=pricing, clock=clock, ids=ids, deadlines=deadlines
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
    expire_order: providers.Provider[ExpireOrder] = providers.Factory(
        ExpireOrder, repo=repo, clock=clock
    )
    event_publisher: providers.Provider[EventPublisher] = providers.Singleton(
        _event_publisher, settings
    )


def build(settings: Settings) -> Container:
    """A container over ``settings``: nothing is made until a provider is called."""
    container = Container(settings=providers.Object(settings))
    container.check_dependencies()
    return container


__all__ = ["Container", "build"]
