"""The functions' environment, named as the runtime reads it.

Variable names and defaults come from the service manifest (``orders_manifest.environment``),
and the finished mapping is checked there for what the settings model would refuse at a cold
start for want of a variable, so a deploy cannot hand a function an environment its code
rejects for that. (tests/infra checks every deployed environment with the settings model
itself.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from orders_manifest import environment
from orders_manifest.environment import variable


def checked(variables: Mapping[str, str]) -> None:
    """A ValueError naming each variable ``variables`` lacks for the store and flags it sets."""
    missing = environment.missing(variables)
    if missing:
        raise ValueError(f"a function would fail its cold start: {', '.join(missing)} not set")


def staff_group() -> str:
    """The Cognito group whose members act as staff: the runtime's default, kept as is."""
    return environment.DEFAULTS["staff_group"]


def tier_attribute() -> str:
    """The Cognito custom attribute the runtime reads the customer tier from."""
    return environment.DEFAULTS["tier_claim"].removeprefix("custom:")


def service_name() -> str:
    """The Powertools service name: the ``service`` dimension of every metric the code emits."""
    return environment.DEFAULTS["service_name"]


def metrics_namespace() -> str:
    """The CloudWatch namespace Powertools Metrics writes to; alarms and dashboards read it."""
    return environment.DEFAULTS["metrics_namespace"]


def function_environment(
    *,
    orders_table: pulumi.Input[str],
    idempotency_table: pulumi.Input[str],
    appconfig_application: pulumi.Input[str],
    appconfig_environment: pulumi.Input[str],
    appconfig_profile: pulumi.Input[str],
    log_level: str,
) -> pulumi.Output[dict[str, str]]:
    """Every variable a function of this service reads, checked for what the store needs.

    No cursor key: only the function that signs cursors is told where it is
    (:func:`cursor_key_environment`).
    """
    fields: dict[str, pulumi.Input[str]] = {
        "store": environment.DYNAMODB_STORE,
        "table_name": orders_table,
        "idempotency_table": idempotency_table,
        "flags_source": environment.APPCONFIG_FLAGS,
        "appconfig_application": appconfig_application,
        "appconfig_environment": appconfig_environment,
        "appconfig_profile": appconfig_profile,
        "staff_group": staff_group(),
        "service_name": service_name(),
        "metrics_namespace": metrics_namespace(),
    }
    named = {variable(field): value for field, value in fields.items()}

    def with_log_level(variables: dict[str, str]) -> dict[str, str]:
        checked(variables)
        # Powertools' own variable, outside the settings model.
        return {**variables, environment.LOG_LEVEL: log_level}

    return pulumi.Output.all(**named).apply(with_log_level)


def cursor_key_environment(
    base: pulumi.Input[dict[str, str]],
    secret_arn: pulumi.Input[str],
    version_id: pulumi.Input[str],
) -> pulumi.Output[dict[str, str]]:
    """The service's variables plus where the cursor signing key is: its secret and version."""

    def joined(parts: list[Any]) -> dict[str, str]:
        return {
            **parts[0],
            variable("cursor_key_secret"): parts[1],
            variable("cursor_key_version"): parts[2],
        }

    return pulumi.Output.all(base, secret_arn, version_id).apply(joined)


def publisher_environment(
    base: pulumi.Input[dict[str, str]], event_bus: pulumi.Input[str]
) -> pulumi.Output[dict[str, str]]:
    """The service's variables plus the bus the outbox publisher puts events on."""
    bus_variable = variable("event_bus_name")
    return pulumi.Output.all(base, event_bus).apply(
        lambda parts: {**parts[0], bus_variable: parts[1]}
    )
