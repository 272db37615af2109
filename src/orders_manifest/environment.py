"""The environment variables the functions read, and the defaults the deployment relies on.

Every setting ``<field>`` is read from ``ORDERS_<FIELD>``, except the few that Powertools or
Lambda name themselves (:data:`OWN_NAMES`). ``orders_lambda.settings`` reads them; the Pulumi
program writes them with :func:`variable`. A test keeps :data:`FIELDS`, :data:`OWN_NAMES` and
:data:`DEFAULTS` the same as the settings model's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

PREFIX: Final = "ORDERS_"

# Every setting of the functions (the fields of orders_lambda.settings.Settings).
FIELDS: Final = frozenset(
    {
        "store",
        "cursor_key",
        "cursor_key_secret",
        "cursor_key_version",
        "table_name",
        "idempotency_table",
        "dynamodb_endpoint",
        "sqlite_path",
        "idempotency_path",
        "idempotency_ttl_seconds",
        "flags_source",
        "appconfig_application",
        "appconfig_environment",
        "appconfig_profile",
        "appconfig_max_age_seconds",
        "flags_file",
        "payment_deadline_seconds",
        "staff_group",
        "tier_claim",
        "max_body_bytes",
        "service_name",
        "metrics_namespace",
        "trace_disabled",
        "lambda_function_name",
        # The outbox publisher's
        "event_bus_name",
        "event_source",
        "events_endpoint",
    }
)
# Settings read from a variable Powertools or Lambda defines, not ORDERS_<FIELD>.
OWN_NAMES: Final[Mapping[str, str]] = {
    "service_name": "POWERTOOLS_SERVICE_NAME",
    "metrics_namespace": "POWERTOOLS_METRICS_NAMESPACE",
    "trace_disabled": "POWERTOOLS_TRACE_DISABLED",
    "lambda_function_name": "AWS_LAMBDA_FUNCTION_NAME",
}
# The defaults the deployment writes as they are or builds on (the staff group in Cognito,
# the tier attribute, the metrics' namespace and service dimension).
DEFAULTS: Final[Mapping[str, str]] = {
    "staff_group": "staff",
    "tier_claim": "custom:tier",
    "service_name": "orders",
    "metrics_namespace": "OrdersService",
    "event_source": "orders",
}
# The values of ``store`` and ``flags_source`` a deployed function runs with.
DYNAMODB_STORE: Final = "dynamodb"
APPCONFIG_FLAGS: Final = "appconfig"
# What must be set, and not empty, for a given value of a setting (the settings model's
# cross-field rule, for the settings the deployment chooses).
REQUIRED_WITH: Final[Mapping[tuple[str, str], tuple[str, ...]]] = {
    ("store", DYNAMODB_STORE): ("table_name", "idempotency_table"),
    ("flags_source", APPCONFIG_FLAGS): (
        "appconfig_application",
        "appconfig_environment",
        "appconfig_profile",
    ),
}
# Powertools' own log level, outside the settings model.
LOG_LEVEL: Final = "POWERTOOLS_LOG_LEVEL"


def variable(field: str) -> str:
    """The environment variable that sets ``field``; a KeyError for a setting that is not."""
    if field not in FIELDS:
        raise KeyError(f"no setting {field!r}: the functions read none by that name")
    return OWN_NAMES.get(field, f"{PREFIX}{field.upper()}")


def missing(variables: Mapping[str, str]) -> list[str]:
    """The variables ``variables`` lacks (or leaves empty) for the store and flags it names."""
    absent: list[str] = []
    for (field, value), needed in REQUIRED_WITH.items():
        if variables.get(variable(field)) == value:
            absent += [variable(f) for f in needed if not variables.get(variable(f))]
    return absent


__all__ = [
    "APPCONFIG_FLAGS",
    "DEFAULTS",
    "DYNAMODB_STORE",
    "FIELDS",
    "LOG_LEVEL",
    "OWN_NAMES",
    "PREFIX",
    "REQUIRED_WITH",
    "missing",
    "variable",
]
