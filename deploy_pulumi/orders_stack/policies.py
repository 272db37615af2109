"""IAM policy documents, built from named statements, and the few wildcards AWS forces on us.

Every role, key, queue and topic policy in the program is written with these helpers, so the
infra tests can read each document back and hold it against ``ALLOWED_WILDCARDS``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

Statement = dict[str, Any]


@dataclass(frozen=True, slots=True)
class AllowedWildcard:
    """A ``*`` that AWS leaves no narrower way to write, and why."""

    action: str
    resource_pattern: str  # a regular expression the whole resource must match
    reason: str

    def allows(self, action: str, resource: str) -> bool:
        return action == self.action and re.fullmatch(self.resource_pattern, resource) is not None


# What a state machine's role needs so that Step Functions can write its logs (AWS's list).
LOG_DELIVERY_ACTIONS: tuple[str, ...] = (
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
)
_LOG_STREAMS = r"arn:aws:logs:[a-z0-9-]+:\d{12}:log-group:[^*]+:log-stream:\*"
_THIS_KEY = r"\*"

ALLOWED_WILDCARDS: tuple[AllowedWildcard, ...] = (
    AllowedWildcard(
        "xray:PutTraceSegments", r"\*", "X-Ray has no resource-level permissions for writes"
    ),
    AllowedWildcard(
        "xray:PutTelemetryRecords", r"\*", "X-Ray has no resource-level permissions for writes"
    ),
    AllowedWildcard(
        "logs:CreateLogStream",
        _LOG_STREAMS,
        "the runtime names each log stream when it starts; only the function's own group is open",
    ),
    AllowedWildcard(
        "logs:PutLogEvents",
        _LOG_STREAMS,
        "the runtime names each log stream when it starts; only the function's own group is open",
    ),
    AllowedWildcard(
        "dynamodb:ListStreams",
        r"\*",
        "ListStreams lists a table's streams by table name; IAM checks it only against '*'",
    ),
    AllowedWildcard(
        "kms:*",
        _THIS_KEY,
        "a key policy's account statement hands the key's administration to IAM (AWS's default);"
        " in a key policy the resource '*' means the key itself",
    ),
    *(
        AllowedWildcard(action, _THIS_KEY, "in a key policy the resource '*' means the key itself")
        for action in ("kms:Decrypt", "kms:GenerateDataKey")
    ),
    *(
        AllowedWildcard(
            action,
            r"\*",
            "Step Functions delivers its execution logs through CloudWatch Logs' vended log "
            "delivery, whose calls take no resource: AWS documents these on '*' for a state "
            "machine's role",
        )
        for action in LOG_DELIVERY_ACTIONS
    ),
)


def statement(
    sid: str,
    actions: Sequence[str],
    resources: Sequence[pulumi.Input[str]],
    *,
    principal: Mapping[str, Any] | None = None,
    condition: Mapping[str, Any] | None = None,
) -> Statement:
    """One Allow statement; ``sid`` says in a few words what it is for."""
    body: Statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": list(resources),
    }
    if principal is not None:
        body["Principal"] = dict(principal)
    if condition is not None:
        body["Condition"] = dict(condition)
    return body


def document(*statements: Statement) -> pulumi.Output[str]:
    """A policy document; statement values may still be unresolved outputs."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def rule_may_deliver_to(
    queue_arn: pulumi.Input[str], rule_arn: pulumi.Input[str]
) -> pulumi.Output[str]:
    """A dead-letter queue's policy: EventBridge may send it what one rule could not deliver."""
    return document(
        statement(
            "RuleDeliversUndeliverableEvents",
            ["sqs:SendMessage"],
            [queue_arn],
            principal={"Service": "events.amazonaws.com"},
            condition={"ArnEquals": {"aws:SourceArn": rule_arn}},
        )
    )


def service_trust(service: str) -> pulumi.Output[str]:
    """A trust policy letting one AWS service assume a role."""
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AssumedByTheService",
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def wildcard_violations(policy: Mapping[str, Any]) -> list[str]:
    """Each action or resource in ``policy`` holding a ``*`` that no allowed entry covers."""
    found: list[str] = []
    for entry in _as_list(policy.get("Statement")):
        actions = _as_list(entry.get("Action")) + _as_list(entry.get("NotAction"))
        resources = _as_list(entry.get("Resource")) + _as_list(entry.get("NotResource"))
        found.extend(
            f"{entry.get('Sid', '?')}: {action} on {resource}"
            for action in actions
            for resource in resources or ["(no resource)"]
            if ("*" in action or "*" in resource)
            and not any(allowed.allows(action, resource) for allowed in ALLOWED_WILDCARDS)
        )
    return found


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
