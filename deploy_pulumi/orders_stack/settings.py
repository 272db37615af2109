"""A stack's settings, read once from ``Pulumi.<stack>.yaml`` and checked before anything is built.

Every number an operator may want to change per environment lives in the stack file; the
components take this object and never read configuration themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from deploy_pulumi.artifact import REPOSITORY_ROOT, default_artifact_path

PROJECT = "orders-service"
PYTHON_VERSION_PATTERN = re.compile(r"3\.\d{1,2}")
# Lambda redelivers an SQS message once its visibility timeout runs out; AWS asks for at least
# six times the consumer's timeout so that retries inside one batch do not cause duplicates.
VISIBILITY_TIMEOUT_FACTOR = 6
# SQS keeps a message 14 days at most. A dead-letter queue keeps a message's original enqueue
# time, so it must keep messages longer than its source or a moved message expires early.
MAX_RETENTION_SECONDS = 14 * 24 * 60 * 60
# Tags every taggable resource gets, besides the stack file's own (owner, cost centre).
SERVICE_TAG = "orders"
# Lambda keeps at least this much of an account's concurrency unreserved: reserved and
# provisioned concurrency together may take the account's limit minus this, no more.
UNRESERVED_MINIMUM = 100
# An SQS event source's maximum concurrency: AWS accepts 2 to 1000.
SQS_MAXIMUM_CONCURRENCY_RANGE = range(2, 1001)
# API Gateway compresses a response of at least this many bytes: 0 to 10 MiB.
COMPRESSION_SIZE_RANGE = range(10 * 1024 * 1024 + 1)
# The functions that get reserved concurrency (the consumers and the publisher), and those
# that may get provisioned concurrency (the HTTP API's).
RESERVED_FUNCTIONS = ("payments", "shipments", "publisher")


@dataclass(frozen=True, slots=True)
class FunctionSizing:
    memory_mb: int
    timeout_seconds: int


@dataclass(frozen=True, slots=True)
class AlarmThresholds:
    email: str | None
    api_5xx_per_minute: int
    api_p90_latency_ms: int
    duration_percent_of_timeout: int
    iterator_age_seconds: int
    flag_fetch_failures_per_5_minutes: int
    api_5xx_percent: float
    function_p90_ms: dict[str, int]  # per sizing class: api, consumer, publisher
    payments_oldest_message_seconds: int
    messages_rejected_per_5_minutes: int


@dataclass(frozen=True, slots=True)
class Concurrency:
    """The stack's share of the account's Lambda concurrency (docs/deploy.md, "Concurrency")."""

    account_limit: int  # the account's concurrent executions quota in the stack's region
    reserved: dict[str, int]  # function -> reserved concurrency, for RESERVED_FUNCTIONS
    payments_maximum_concurrency: int  # the SQS event source's maximum concurrency
    provisioned: dict[str, int]  # API function -> provisioned concurrency on its live alias

    @property
    def set_aside(self) -> int:
        """What the stack takes out of the account's unreserved pool."""
        return sum(self.reserved.values()) + sum(self.provisioned.values())

    @property
    def unreserved(self) -> int:
        """What is left for every function without reserved concurrency (the API's)."""
        return self.account_limit - self.set_aside


@dataclass(frozen=True, slots=True)
class StackSettings:
    stack: str
    region: str
    python_version: str
    artifact_path: Path
    log_level: str
    log_retention_days: int
    api: FunctionSizing
    consumer: FunctionSizing
    publisher: FunctionSizing
    throttle_rate_limit: float
    throttle_burst_limit: int
    # API Gateway compresses responses of at least this many bytes (minimumCompressionSize).
    minimum_compression_size: int
    concurrency: Concurrency
    waf_rate_limit: int
    waf_log_retention_days: int
    payments_max_receive_count: int
    stream_maximum_retry_attempts: int
    event_maximum_retry_attempts: int
    payments_retention_seconds: int
    alarms: AlarmThresholds
    flags_rollout_minutes: int
    deletion_protection: bool
    allow_password_auth: bool
    flags_document: Path | None  # None: the runtime's shipped default document
    # API Gateway's CloudWatch role is one per account and region: exactly one stack owns it.
    manage_account_logging_role: bool
    owner: str
    cost_centre: str

    @property
    def runtime(self) -> str:
        return f"python{self.python_version}"

    @property
    def payments_visibility_timeout_seconds(self) -> int:
        return VISIBILITY_TIMEOUT_FACTOR * self.consumer.timeout_seconds

    def resource_name(self, name: str) -> str:
        """A name that says which service and stack a resource belongs to."""
        return f"orders-{self.stack}-{name}"

    @property
    def tags(self) -> dict[str, str]:
        """The tags of every taggable resource (see tagging.py): one place for all of them."""
        return {
            "service": SERVICE_TAG,
            "stack": self.stack,
            "owner": self.owner,
            "cost-centre": self.cost_centre,
        }


def _sizing(raw: dict[str, Any], key: str) -> FunctionSizing:
    entry = raw[key]
    return FunctionSizing(
        memory_mb=int(entry["memoryMb"]), timeout_seconds=int(entry["timeoutSeconds"])
    )


def _alarms(raw: dict[str, Any]) -> AlarmThresholds:
    return AlarmThresholds(
        email=raw.get("email") or None,
        api_5xx_per_minute=int(raw["api5xxPerMinute"]),
        api_p90_latency_ms=int(raw["apiP90LatencyMs"]),
        duration_percent_of_timeout=int(raw["durationPercentOfTimeout"]),
        iterator_age_seconds=int(raw["iteratorAgeSeconds"]),
        flag_fetch_failures_per_5_minutes=int(raw["flagFetchFailuresPer5Minutes"]),
        api_5xx_percent=float(raw["api5xxPercent"]),
        function_p90_ms={
            sizing: int(raw["functionP90DurationMs"][sizing])
            for sizing in ("api", "consumer", "publisher")
        },
        payments_oldest_message_seconds=int(raw["paymentsOldestMessageSeconds"]),
        messages_rejected_per_5_minutes=int(raw["messagesRejectedPer5Minutes"]),
    )


def _concurrency(raw: dict[str, Any]) -> Concurrency:
    return Concurrency(
        account_limit=int(raw["accountLimit"]),
        reserved={str(k): int(v) for k, v in raw["reserved"].items()},
        payments_maximum_concurrency=int(raw["paymentsMaximumConcurrency"]),
        provisioned={str(k): int(v) for k, v in (raw.get("provisioned") or {}).items()},
    )


def load_settings() -> StackSettings:
    """Read and check the current stack's settings; a bad value fails before any resource."""
    config = pulumi.Config()
    python_version = config.require("pythonVersion")
    if not PYTHON_VERSION_PATTERN.fullmatch(python_version):
        raise ValueError(f"pythonVersion must look like 3.13, got {python_version!r}")
    functions: dict[str, Any] = config.require_object("functions")
    api: dict[str, Any] = config.require_object("api")
    events: dict[str, Any] = config.require_object("events")
    tags: dict[str, Any] = config.require_object("tags")
    artifact = config.get("artifactPath")
    flags = config.get("flagsDocument")
    settings = StackSettings(
        stack=pulumi.get_stack(),
        region=pulumi.Config("aws").require("region"),
        python_version=python_version,
        artifact_path=(
            REPOSITORY_ROOT / artifact if artifact else default_artifact_path(python_version)
        ),
        log_level=config.get("logLevel") or "INFO",
        log_retention_days=config.require_int("logRetentionDays"),
        api=_sizing(functions, "api"),
        consumer=_sizing(functions, "consumer"),
        publisher=_sizing(functions, "publisher"),
        throttle_rate_limit=float(api["throttleRateLimit"]),
        throttle_burst_limit=int(api["throttleBurstLimit"]),
        minimum_compression_size=int(api["minimumCompressionSizeBytes"]),
        concurrency=_concurrency(config.require_object("concurrency")),
        waf_rate_limit=int(api["wafRateLimitPer5Minutes"]),
        waf_log_retention_days=int(api["wafLogRetentionDays"]),
        payments_max_receive_count=int(events["paymentsMaxReceiveCount"]),
        stream_maximum_retry_attempts=int(events["streamMaximumRetryAttempts"]),
        event_maximum_retry_attempts=int(events["eventMaximumRetryAttempts"]),
        payments_retention_seconds=int(events["paymentsRetentionSeconds"]),
        alarms=_alarms(config.require_object("alarms")),
        flags_rollout_minutes=config.require_int("flagsRolloutMinutes"),
        deletion_protection=config.require_bool("deletionProtection"),
        allow_password_auth=config.get_bool("allowPasswordAuth") or False,
        flags_document=REPOSITORY_ROOT / flags if flags else None,
        manage_account_logging_role=bool(api["manageAccountLoggingRole"]),
        owner=str(tags["owner"]),
        cost_centre=str(tags["costCentre"]),
    )
    _check(settings)
    return settings


def api_peak_concurrency(settings: StackSettings) -> float:
    """The API's concurrency at its throttle rate, each request taking its p90 budget.

    Concurrency is arrival rate times duration (Little's law); the p90 duration alarm's budget
    stands for the duration, so a peak at the limit stays within it until that alarm fires.
    """
    return settings.throttle_rate_limit * settings.alarms.function_p90_ms["api"] / 1000


def check_concurrency(settings: StackSettings, api_functions: frozenset[str]) -> None:
    """Refuse a concurrency budget that does not add up (docs/deploy.md, "Concurrency")."""
    budget = settings.concurrency
    if set(budget.reserved) != set(RESERVED_FUNCTIONS):
        raise ValueError(f"concurrency.reserved must name exactly {', '.join(RESERVED_FUNCTIONS)}")
    if min(budget.reserved.values()) < 1:
        raise ValueError("concurrency.reserved: 0 would stop a function altogether")
    unknown = set(budget.provisioned) - api_functions
    if unknown:
        raise ValueError(f"concurrency.provisioned names no API function: {sorted(unknown)}")
    if budget.provisioned and min(budget.provisioned.values()) < 1:
        raise ValueError("concurrency.provisioned: leave a function out rather than give it 0")
    maximum = budget.payments_maximum_concurrency
    if maximum not in SQS_MAXIMUM_CONCURRENCY_RANGE:
        raise ValueError("concurrency.paymentsMaximumConcurrency must be between 2 and 1000")
    if maximum > budget.reserved["payments"]:
        # Above the function's reserved concurrency, the queue's poller is throttled and
        # messages go back to the queue, each receive a step closer to the DLQ.
        raise ValueError(
            "concurrency.paymentsMaximumConcurrency must not exceed concurrency.reserved.payments"
        )
    if budget.set_aside > budget.account_limit - UNRESERVED_MINIMUM:
        raise ValueError(
            f"reserved and provisioned concurrency ({budget.set_aside}) exceed the account's "
            f"limit ({budget.account_limit}) minus the {UNRESERVED_MINIMUM} AWS keeps unreserved"
        )
    peak = api_peak_concurrency(settings)
    if peak > budget.unreserved:
        raise ValueError(
            f"the API's peak ({peak:g} concurrent executions) does not fit in the "
            f"{budget.unreserved} left unreserved"
        )


def _check(settings: StackSettings) -> None:
    if settings.minimum_compression_size not in COMPRESSION_SIZE_RANGE:
        raise ValueError("api.minimumCompressionSizeBytes must be between 0 and 10485760")
    # The SQS maximum visibility timeout is 12 hours.
    if settings.payments_visibility_timeout_seconds > 12 * 60 * 60:
        raise ValueError("the consumer timeout is too long for an SQS visibility timeout")
    # WAF's rate-based rules accept 10 to 2,000,000,000 requests per window.
    if settings.waf_rate_limit < 10:
        raise ValueError("wafRateLimitPer5Minutes must be at least 10")
    if settings.payments_retention_seconds >= MAX_RETENTION_SECONDS:
        raise ValueError(
            "events.paymentsRetentionSeconds must be below 14 days (1209600): the payments DLQ "
            "keeps 14 days, the SQS maximum, and must keep messages longer than its source"
        )
