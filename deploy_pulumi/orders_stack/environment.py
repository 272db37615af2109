"""The functions' environment, written with the runtime's own settings model.

Variable names come from ``orders_lambda.settings`` (``env_name``), and the finished mapping is
validated by that model exactly as a cold start would read it, so a deploy cannot hand a
function an environment its code rejects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource

from orders_lambda.consumers.wiring import EventSettings
from orders_lambda.settings import ENV_PREFIX, FlagsSource, Settings, StoreKind, env_name


def checked_against(model: type[BaseSettings], variables: Mapping[str, str]) -> None:
    """Read ``variables`` with ``model`` as a cold start would; a ValidationError if it can't."""

    class FromTheseVariables(EnvSettingsSource):
        def __init__(self, settings_cls: type[BaseSettings]) -> None:
            super().__init__(settings_cls)
            # Instead of the deployer's process environment, the variables the function gets.
            self.env_vars = {name.lower(): value for name, value in variables.items()}

    class Deployed(model):  # type: ignore[valid-type,misc]  # a subclass of the model given
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            *_sources: Any,
            **_named_sources: Any,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (FromTheseVariables(settings_cls),)

    Deployed()


def staff_group() -> str:
    """The Cognito group whose members act as staff: the runtime's default, kept as is."""
    default: str = Settings.model_fields["staff_group"].default
    return default


def tier_attribute() -> str:
    """The Cognito custom attribute the runtime reads the customer tier from."""
    claim: str = Settings.model_fields["tier_claim"].default
    return claim.removeprefix("custom:")


def service_name() -> str:
    """The Powertools service name: the ``service`` dimension of every metric the code emits."""
    default: str = Settings.model_fields["service_name"].default
    return default


def metrics_namespace() -> str:
    """The CloudWatch namespace Powertools Metrics writes to; alarms and dashboards read it."""
    default: str = Settings.model_fields["metrics_namespace"].default
    return default


def function_environment(
    *,
    orders_table: pulumi.Input[str],
    idempotency_table: pulumi.Input[str],
    appconfig_application: pulumi.Input[str],
    appconfig_environment: pulumi.Input[str],
    appconfig_profile: pulumi.Input[str],
    log_level: str,
) -> pulumi.Output[dict[str, str]]:
    """Every variable a function of this service reads, checked by the settings model.

    No cursor key: only the function that signs cursors is told where it is
    (:func:`cursor_key_environment`).
    """
    fields: dict[str, pulumi.Input[str]] = {
        "store": StoreKind.DYNAMODB.value,
        "table_name": orders_table,
        "idempotency_table": idempotency_table,
        "flags_source": FlagsSource.APPCONFIG.value,
        "appconfig_application": appconfig_application,
        "appconfig_environment": appconfig_environment,
        "appconfig_profile": appconfig_profile,
        "staff_group": staff_group(),
        "service_name": service_name(),
        "metrics_namespace": metrics_namespace(),
    }
    named = {env_name(field): value for field, value in fields.items()}

    def checked(variables: dict[str, str]) -> dict[str, str]:
        checked_against(Settings, variables)
        # Powertools' own variable, outside the settings model.
        return {**variables, "POWERTOOLS_LOG_LEVEL": log_level}

    return pulumi.Output.all(**named).apply(checked)


def cursor_key_environment(
    base: pulumi.Input[dict[str, str]],
    secret_arn: pulumi.Input[str],
    version_id: pulumi.Input[str],
) -> pulumi.Output[dict[str, str]]:
    """The service's variables plus where the cursor signing key is: its secret and version."""

    def checked(parts: list[Any]) -> dict[str, str]:
        variables = {
            **parts[0],
            env_name("cursor_key_secret"): parts[1],
            env_name("cursor_key_version"): parts[2],
        }
        checked_against(Settings, variables)
        return variables

    return pulumi.Output.all(base, secret_arn, version_id).apply(checked)


def publisher_environment(
    base: pulumi.Input[dict[str, str]], event_bus: pulumi.Input[str]
) -> pulumi.Output[dict[str, str]]:
    """The service's variables plus the bus the outbox publisher puts events on."""

    def checked(variables: dict[str, str]) -> dict[str, str]:
        checked_against(EventSettings, variables)
        return variables

    field = "event_bus_name"
    if field not in EventSettings.model_fields:  # renamed in the runtime: fail the deploy here
        raise KeyError(f"EventSettings has no field {field!r}")
    bus_variable = f"{ENV_PREFIX}{field.upper()}"
    return pulumi.Output.all(base, event_bus).apply(
        lambda parts: checked({**parts[0], bus_variable: parts[1]})
    )
