"""Static configuration from environment variables, validated once per cold start.

Every variable is named ``ORDERS_<FIELD>`` except Powertools' own (``POWERTOOLS_*``), which
Powertools also reads directly. :func:`load_settings` turns any problem into a
:class:`SettingsError` whose message names each offending variable. In Lambda the composition
root (:mod:`orders_lambda.bootstrap`) loads them while the function initialises, so a
misconfigured function fails its init with a message that says what to fix; elsewhere (tests,
``orders serve``) they are loaded on first use.

The model is a plain pydantic model over the variables :func:`load_settings` picks out of the
environment (names matched regardless of case, as on Windows): pydantic-settings would do the
same for more of every cold start (its import; docs/benchmarks.md, issue 12). Its validator is
built only when needed (``defer_build``): :func:`load_settings` first reads each variable
itself, accepting only values whose meaning under the model's rules is plain (an enum's value,
digits within bounds, ``true``/``false``/``1``/``0``, a string within its lengths); anything
else, or a broken rule across variables, is left to pydantic to validate, or to refuse with its
own message. Building the validator is most of what the settings would cost at init
(docs/benchmarks.md: about 40 ms of CPU).
"""

from __future__ import annotations

import os
import re
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Final, Self, Union, get_args, get_origin

import annotated_types
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic.fields import FieldInfo

from orders_manifest import environment

ENV_PREFIX: Final = environment.PREFIX
MIN_CURSOR_KEY_LENGTH: Final = 32


class StoreKind(StrEnum):
    DYNAMODB = "dynamodb"
    SQLITE = "sqlite"
    MEMORY = "memory"


class FlagsSource(StrEnum):
    APPCONFIG = "appconfig"  # Powertools feature flags on AWS AppConfig
    FILE = "file"  # a local JSON file with the same schema (orders serve)
    NONE = "none"  # no discounts


class SettingsError(RuntimeError):
    """The environment does not configure the service correctly; the message names why."""


def _alias(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseModel):
    """The service's settings; :func:`load_settings` makes them from the environment."""

    # Defaults are validated too, and unknown keys ignored, as pydantic-settings did; the
    # validator is built on first validation, which a plain environment never needs.
    model_config = ConfigDict(frozen=True, extra="ignore", validate_default=True, defer_build=True)

    store: StoreKind
    # The key that signs list cursors: given as is (local use), or the Secrets Manager secret
    # that holds it (deployed). With neither, a store without a key of its own signs with one
    # made for this process: enough for a function that never lists (see container.py).
    cursor_key: Annotated[SecretStr, Field(min_length=MIN_CURSOR_KEY_LENGTH)] | None = None
    cursor_key_secret: Annotated[str, Field(min_length=1)] | None = None
    # The secret's version the deploy wrote: every execution environment signs with the same one.
    cursor_key_version: Annotated[str, Field(min_length=1)] | None = None

    table_name: str | None = None
    idempotency_table: str | None = None
    dynamodb_endpoint: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    sqlite_path: Path | None = None
    idempotency_path: Path | None = None
    idempotency_ttl_seconds: Annotated[int, Field(ge=60, le=7 * 24 * 3600)] = 3600

    flags_source: FlagsSource = FlagsSource.NONE
    appconfig_application: str | None = None
    appconfig_environment: str | None = None
    appconfig_profile: str | None = None
    appconfig_max_age_seconds: Annotated[int, Field(ge=0, le=3600)] = 60
    flags_file: Path | None = None
    # How long a new order has to be paid; unset, the flags document's
    # payment_deadline_minutes decides (30 minutes without one). Set by orders serve
    # --payment-deadline; deployed functions leave it to the flags.
    payment_deadline_seconds: Annotated[int, Field(ge=1, le=30 * 24 * 3600)] | None = None

    # The outbox publisher's bus (required by the publisher function alone), the source its
    # events carry, and another EventBridge endpoint (a local emulator).
    event_bus_name: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    event_source: Annotated[str, Field(min_length=1, max_length=256)] = "orders"
    events_endpoint: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None

    staff_group: Annotated[str, Field(min_length=1)] = "staff"
    tier_claim: Annotated[str, Field(min_length=1)] = "custom:tier"
    max_body_bytes: Annotated[int, Field(ge=1024, le=1024 * 1024)] = 64 * 1024

    service_name: Annotated[str, Field(min_length=1)] = Field(
        default="orders", validation_alias=_alias("POWERTOOLS_SERVICE_NAME")
    )
    metrics_namespace: Annotated[str, Field(min_length=1)] = Field(
        default="OrdersService", validation_alias=_alias("POWERTOOLS_METRICS_NAMESPACE")
    )
    trace_disabled: bool = Field(
        default=False, validation_alias=_alias("POWERTOOLS_TRACE_DISABLED")
    )
    # Set by Lambda itself; outside Lambda there is no X-Ray daemon to send traces to.
    lambda_function_name: str | None = Field(
        default=None, validation_alias=_alias("AWS_LAMBDA_FUNCTION_NAME")
    )

    @model_validator(mode="after")
    def _required_together(self) -> Self:
        _check_together(self)
        return self

    @property
    def bus(self) -> str:
        """The event bus the outbox publisher puts events on; SettingsError when unset."""
        if self.event_bus_name is None:
            raise SettingsError(f"{env_name('event_bus_name')} must be set for the event publisher")
        return self.event_bus_name

    @property
    def tracing(self) -> bool:
        """Whether to trace with X-Ray (its SDK alone costs a good part of a cold start)."""
        return self.lambda_function_name is not None and not self.trace_disabled

    @property
    def local_idempotency_path(self) -> str:
        """Where ``orders serve`` keeps idempotency records (memory store: nowhere durable)."""
        if self.idempotency_path is not None:
            return str(self.idempotency_path)
        if self.store is StoreKind.SQLITE and self.sqlite_path is not None:
            return f"{self.sqlite_path}.idempotency"
        return ":memory:"


def _check_together(settings: Settings) -> None:
    """The rules across variables; a ValueError that names the variables otherwise."""
    missing: list[str] = []
    if settings.store is StoreKind.DYNAMODB:
        missing += [f for f in ("table_name", "idempotency_table") if not getattr(settings, f)]
    if settings.store is StoreKind.SQLITE and settings.sqlite_path is None:
        missing.append("sqlite_path")
    if settings.flags_source is FlagsSource.APPCONFIG:
        missing += [
            f
            for f in ("appconfig_application", "appconfig_environment", "appconfig_profile")
            if not getattr(settings, f)
        ]
    if settings.flags_source is FlagsSource.FILE and settings.flags_file is None:
        missing.append("flags_file")
    if settings.cursor_key is not None and settings.cursor_key_secret is not None:
        raise ValueError(
            f"set one of {env_name('cursor_key')} and {env_name('cursor_key_secret')}, not both"
        )
    if settings.cursor_key_version is not None and settings.cursor_key_secret is None:
        raise ValueError(f"{env_name('cursor_key_version')} needs {env_name('cursor_key_secret')}")
    if missing:
        names = ", ".join(env_name(f) for f in missing)
        raise ValueError(
            f"{names} must be set when ORDERS_STORE={settings.store} and "
            f"ORDERS_FLAGS_SOURCE={settings.flags_source}"
        )


def env_name(field: str) -> str:
    """The environment variable that sets ``field``."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"{ENV_PREFIX}{field.upper()}"


def _validated_as(field: str) -> str:
    """The key the model validates ``field`` under: its name, or its variable's for the fields
    named after Powertools' or Lambda's own (their validation alias)."""
    if Settings.model_fields[field].validation_alias is None:
        return field
    return env_name(field)


def _from_environment() -> dict[str, str]:
    """Each field's variable that is set, as given (an empty value too), keyed as the model
    validates it (:func:`_validated_as`)."""
    variables = {name.upper(): value for name, value in os.environ.items()}
    found = {}
    for field in Settings.model_fields:
        name = env_name(field)
        if name in variables:
            found[_validated_as(field)] = variables[name]
    return found


class _Unsure(Exception):
    """A value the plain reading does not decide: pydantic validates the whole environment."""


_PLAIN_INTEGER: Final = re.compile(r"0|[1-9][0-9]{0,17}")
_PLAIN_TEXT: Final = re.compile(r"[!-~]+")  # printable ASCII, no space: where patterns agree
_BOOLEANS: Final = {"true": True, "false": False, "1": True, "0": False}
_PLAIN_CONSTRAINTS: Final = frozenset(
    {"strip_whitespace", "to_upper", "to_lower", "strict", "min_length", "max_length", "ascii_only"}
)


def _field_type(info: FieldInfo) -> tuple[object, list[object]]:
    """The field's type without ``| None`` and ``Annotated``, and every constraint on it."""
    annotation, constraints = info.annotation, list(info.metadata)
    if get_origin(annotation) in (Union, type(int | None)):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        if len(inner) != 1:
            raise _Unsure
        annotation = inner[0]
    if get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        for item in extra:
            constraints += item.metadata if isinstance(item, FieldInfo) else [item]
    return annotation, constraints


def _plain_value(info: FieldInfo, text: str) -> object:  # noqa: PLR0912 - one case per kind
    """What pydantic makes of ``text`` for the field, where that is plain; _Unsure otherwise."""
    kind, constraints = _field_type(info)
    low = high = shortest = longest = None
    pattern: str | None = None
    for item in constraints:
        if isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Le):
            high = item.le
        elif isinstance(item, annotated_types.MinLen):
            shortest = item.min_length
        elif isinstance(item, annotated_types.MaxLen):
            longest = item.max_length
        elif isinstance(item, StringConstraints) and not any(
            getattr(item, name) is not None for name in _PLAIN_CONSTRAINTS
        ):
            pattern = item.pattern if isinstance(item.pattern, str) else None
            if pattern is None:
                raise _Unsure
        else:
            raise _Unsure
    sized = shortest is not None or longest is not None or pattern is not None
    if isinstance(kind, type) and issubclass(kind, Enum) and not (sized or low or high):
        if text not in {member.value for member in kind}:
            raise _Unsure
        return kind(text)
    if kind is bool and not sized and low is None and high is None:
        if text not in _BOOLEANS:
            raise _Unsure
        return _BOOLEANS[text]
    if kind is int and not sized:
        if not _PLAIN_INTEGER.fullmatch(text):
            raise _Unsure
        number = int(text)
        if (low is not None and number < low) or (high is not None and number > high):  # type: ignore[operator]
            raise _Unsure
        return number
    if kind in (str, SecretStr) and low is None and high is None:
        if (shortest is not None and len(text) < shortest) or (
            longest is not None and len(text) > longest
        ):
            raise _Unsure
        if pattern is not None and not (_PLAIN_TEXT.fullmatch(text) and re.search(pattern, text)):
            raise _Unsure
        return SecretStr(text) if kind is SecretStr else text
    if kind is Path and not (sized or low or high) and text:
        return Path(text)
    raise _Unsure


def _read_plainly(found: dict[str, str]) -> Settings:
    """Settings from ``found`` without pydantic's validator, when every value is plain and the
    rules across variables hold; _Unsure otherwise."""
    values: dict[str, object] = {}
    for field, info in Settings.model_fields.items():
        key = _validated_as(field)
        if key in found:
            values[field] = _plain_value(info, found[key])
        elif info.is_required():
            raise _Unsure
    settings = Settings.model_construct(**values)  # type: ignore[arg-type]
    try:
        _check_together(settings)
    except ValueError:
        raise _Unsure from None
    return settings


def load_settings() -> Settings:
    """Settings from the environment; a SettingsError naming each bad variable otherwise."""
    found = _from_environment()
    try:
        return _read_plainly(found)
    except _Unsure:
        return _validated(found)  # pydantic decides, and words any refusal


def _validated(found: dict[str, str]) -> Settings:
    """Settings from ``found`` by pydantic's validator; a SettingsError naming each bad
    variable otherwise."""
    try:
        return Settings.model_validate(found)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False, include_input=False):
            message = error["msg"].removeprefix("Value error, ")
            if not error["loc"]:  # a rule across variables; its message names them
                problems.append(message)
                continue
            where = str(error["loc"][0])
            name = env_name(where) if where in Settings.model_fields else where.upper()
            problems.append(f"{name}: {message}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None


__all__ = [
    "MIN_CURSOR_KEY_LENGTH",
    "FlagsSource",
    "Settings",
    "SettingsError",
    "StoreKind",
    "env_name",
    "load_settings",
]
