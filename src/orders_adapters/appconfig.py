"""Discounts from feature flags: Powertools feature flags over AppConfig, or over a JSON file.

The flags document, its two discount flags and their check are described in
:mod:`orders_manifest.flags` (the deployment checks the document it hosts with the same code).

The same document may set new orders' payment deadline (``payment_deadline_minutes``, see
:mod:`orders_manifest.flags`); :class:`FeatureFlagsPricing` answers that port too.

Fail-safe: when the store errors or hands back an invalid document, no discount applies and
the deadline is the default, the failure is logged and counted (``failures`` and the
``on_failure`` callback, for a metric), and the store is not asked again for ``retry_after``
seconds. ``discounts_for`` and ``payment_window`` never raise.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol, get_args

from aws_lambda_powertools.utilities.feature_flags import (
    AppConfigStore,
    FeatureFlags,
    SchemaValidator,
    StoreProvider,
)
from aws_lambda_powertools.utilities.feature_flags.exceptions import (
    ConfigurationStoreError,
    SchemaValidationError,
)
from botocore.exceptions import ClientError

from orders_adapters.aws_clients import session_and_config
from orders_core import DEFAULT_PAYMENT_DEADLINE, Discount, Money, Principal
from orders_manifest.flags import (
    DISCOUNT_FLAGS,
    PAYMENT_DEADLINE,
    check_discount_flags,
    deadline_minutes,
    discount_percent,
)

# Re-exported: what this module raises, and the document it was the home of.
from orders_manifest.flags import InvalidFlagsDocument as InvalidFlagsDocument  # noqa: PLC0414
from orders_manifest.flags import default_flags_document as default_flags_document  # noqa: PLC0414

if TYPE_CHECKING:
    from mypy_boto3_appconfigdata import AppConfigDataClient

FailureReason = Literal["unavailable", "invalid", "evaluation"]
"""Why flags could not be used: AppConfig failed, its document is invalid, or a rule broke."""
FAILURE_REASONS: Final[tuple[FailureReason, ...]] = get_args(FailureReason)

MAX_FLAGS_FILE_BYTES: Final = 1024 * 1024
DEFAULT_MAX_AGE: Final = 60


class FailureLogger(Protocol):
    """What the policy needs of a logger: a stdlib ``logging.Logger`` or Powertools' Logger."""

    def warning(
        self, msg: object, *args: object, extra: Mapping[str, object] | None = None
    ) -> None: ...


def validate_flags_document(document: object) -> dict[str, Any]:
    """Check ``document`` against Powertools' schema and ours; return it unchanged.

    Raises ``InvalidFlagsDocument`` naming the first problem. Flags other than ours are left
    to Powertools' schema, so the document may carry other features' flags.
    """
    if not isinstance(document, dict):
        raise InvalidFlagsDocument("a flags document is a JSON object of flags")
    try:
        if document:  # an empty document is fine (no discounts); Powertools would warn
            SchemaValidator(schema=document).validate()
    except SchemaValidationError as exc:
        raise InvalidFlagsDocument(str(exc)) from exc
    return check_discount_flags(document)


class JsonFileFlagsStore(StoreProvider):
    """A Powertools store that reads the flags document from a local JSON file.

    The file is read again only when its modification time or size changes, so edits apply to
    a running local server; between changes the same document object is returned.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._stamp: tuple[int, int] | None = None
        self._document: Any = None

    @property
    def get_raw_configuration(self) -> dict[str, Any]:
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp != self._stamp:
                if stat.st_size > MAX_FLAGS_FILE_BYTES:
                    raise ConfigurationStoreError(f"{self.path} is over {MAX_FLAGS_FILE_BYTES} B")
                self._document = json.loads(self.path.read_bytes())
                self._stamp = stamp
        except (OSError, ValueError) as exc:
            raise ConfigurationStoreError(f"cannot read flags file {self.path}: {exc}") from exc
        # Not checked here: a non-object document is reported by validation, as invalid.
        document: dict[str, Any] = self._document
        return document

    def get_configuration(self) -> dict[str, Any]:
        return self.get_raw_configuration


def read_flags_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and validate a flags file, for a fail-fast check at start-up.

    Raises ``InvalidFlagsDocument`` for an unreadable file too, with the reason.
    """
    try:
        document = JsonFileFlagsStore(path).get_configuration()
    except ConfigurationStoreError as exc:
        raise InvalidFlagsDocument(str(exc)) from exc
    return validate_flags_document(document)


class _Snapshot(StoreProvider):
    """One already validated document, so evaluation never goes back to the real store."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document

    @property
    def get_raw_configuration(self) -> dict[str, Any]:
        return self._document

    def get_configuration(self) -> dict[str, Any]:
        return self._document


class FeatureFlagsPricing:
    """A PricingPolicy and a PaymentDeadlinePolicy on Powertools feature flags, over any
    Powertools store.

    ``store_factory`` builds the store on first use (and again after AppConfig rejects its
    session). Caching is the store's (AppConfigStore's ``max_age``); each document the store
    hands out is validated once. After a failure the store is left alone for ``retry_after``
    seconds, so an outage costs one slow call per window, not one per order.
    """

    def __init__(
        self,
        store_factory: Callable[[], StoreProvider],
        *,
        retry_after: float,
        logger: FailureLogger | None = None,
        on_failure: Callable[[str], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store_factory = store_factory
        self._retry_after = retry_after
        self._logger: FailureLogger = logger or logging.getLogger(__name__)
        self._on_failure = on_failure
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._store: StoreProvider | None = None
        self._retry_at: float | None = None
        self._document: object = None
        self._flags: FeatureFlags | None = None
        self.failures = 0
        """How many times the flags could not be used (store errors, invalid documents)."""

    def discounts_for(self, principal: Principal, subtotal: Money) -> tuple[Discount, ...]:
        try:
            flags = self._current_flags()
            if flags is None:
                return ()
            context = {"tier": principal.tier.value, "role": principal.role.value}
            found: list[Discount] = []
            for name, code in DISCOUNT_FLAGS.items():
                value = flags.evaluate(name=name, context=context, default=False)
                percent = discount_percent(value, name)
                if percent is not None:
                    found.append(Discount(code, percent))
            return tuple(found)
        except Exception as exc:  # noqa: BLE001 - the port promises orders keep working
            self._fail("evaluation", exc)
            return ()

    def payment_window(self) -> timedelta:
        """``orders_core.PaymentDeadlinePolicy``: the flag's minutes, else the default."""
        try:
            flags = self._current_flags()
            if flags is None:
                return DEFAULT_PAYMENT_DEADLINE
            value = flags.evaluate(name=PAYMENT_DEADLINE, context={}, default=False)
            if value is False:  # the flag is not in the document
                return DEFAULT_PAYMENT_DEADLINE
            return timedelta(minutes=deadline_minutes(value, PAYMENT_DEADLINE))
        except Exception as exc:  # noqa: BLE001 - the port promises orders keep working
            self._fail("evaluation", exc)
            return DEFAULT_PAYMENT_DEADLINE

    def _current_flags(self) -> FeatureFlags | None:
        with self._lock:
            now = self._monotonic()
            if self._retry_at is not None and now < self._retry_at:
                return None
            self._retry_at = None
            try:
                if self._store is None:
                    self._store = self._store_factory()
                document = self._store.get_configuration()
            except Exception as exc:  # noqa: BLE001 - any store failure means the defaults
                if _session_rejected(exc):
                    self._store = None
                self._retry_at = now + self._retry_after
                self._fail("unavailable", exc)
                return None
            if document is not self._document:
                self._document = document
                self._flags = None
                try:
                    valid = validate_flags_document(document)
                except InvalidFlagsDocument as exc:
                    self._fail("invalid", exc)
                else:
                    if any(name in valid for name in (*DISCOUNT_FLAGS, PAYMENT_DEADLINE)):
                        self._flags = FeatureFlags(store=_Snapshot(valid))
            return self._flags

    def _fail(self, reason: FailureReason, exc: Exception) -> None:
        self.failures += 1
        self._logger.warning(
            "feature flags %s, no discounts apply and deadlines are the default: %s: %s",
            reason,
            type(exc).__name__,
            exc,
            extra={"flags_failure": reason},
        )
        if self._on_failure is not None:
            try:
                self._on_failure(reason)
            except Exception:  # noqa: BLE001 - a broken metric must not break pricing
                self._logger.warning("feature flags failure callback raised", extra={})


def _session_rejected(exc: BaseException) -> bool:
    """True when AppConfig refused the session token (it expires after a day): start anew."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ClientError):
            return seen.response.get("Error", {}).get("Code") == "BadRequestException"
        seen = seen.__cause__ or seen.__context__
    return False


def make_appconfig_client(
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    max_attempts: int = 2,
    connect_timeout: float = 1.0,
    read_timeout: float = 1.0,
) -> AppConfigDataClient:
    """An appconfigdata client that gives up quickly: flags are fetched on the request path,
    and an AppConfig that hangs must turn into the fail-safe defaults well within the
    function's timeout, not into botocore's 60-second default read timeout per attempt."""
    session, config = session_and_config(
        max_attempts=max_attempts, connect_timeout=connect_timeout, read_timeout=read_timeout
    )
    return session.client(
        "appconfigdata", endpoint_url=endpoint_url, region_name=region, config=config
    )


def appconfig_pricing(
    client: AppConfigDataClient,
    *,
    application: str,
    environment: str,
    profile: str,
    max_age: int = DEFAULT_MAX_AGE,
    retry_after: float | None = None,
    logger: FailureLogger | None = None,
    on_failure: Callable[[str], None] | None = None,
) -> FeatureFlagsPricing:
    """Discounts from the flags document hosted in AppConfig, fetched at most every
    ``max_age`` seconds; after a failure retried after ``retry_after`` (default ``max_age``)."""

    def store() -> StoreProvider:
        return AppConfigStore(
            environment=environment,
            application=application,
            name=profile,
            max_age=max_age,
            boto3_client=client,
        )

    return FeatureFlagsPricing(
        store,
        retry_after=max_age if retry_after is None else retry_after,
        logger=logger,
        on_failure=on_failure,
    )


def file_pricing(
    path: str | os.PathLike[str],
    *,
    retry_after: float = 1.0,
    logger: FailureLogger | None = None,
    on_failure: Callable[[str], None] | None = None,
) -> FeatureFlagsPricing:
    """Discounts from a local flags file (``orders serve --flags FILE``), re-read on change."""
    return FeatureFlagsPricing(
        lambda: JsonFileFlagsStore(path),
        retry_after=retry_after,
        logger=logger,
        on_failure=on_failure,
    )
