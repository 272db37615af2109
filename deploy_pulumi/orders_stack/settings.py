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


def _check(settings: StackSettings) -> None:
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
