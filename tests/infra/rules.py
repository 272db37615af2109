"""The deployment's policy rules, checked over every resource the program declares.

Each rule takes the declared resources and returns one line per breach (empty: kept), so the
same rule runs over each stack and over hand-made breaches that prove it can fail.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import Any

from deploy_pulumi.orders_stack import policies
from deploy_pulumi.orders_stack.tagging import takes_tags

from .conftest import Declared

Rule = Callable[[Sequence[Declared]], list[str]]
QUEUE = "aws:sqs/queue:Queue"
# Stream records and EventBridge retries last at most a day: their DLQs must keep longer.
SOURCE_RETENTION_SECONDS = {"stream": 24 * 60 * 60, "eventbridge": 24 * 60 * 60}


def policy_documents(value: Any) -> Iterator[dict[str, Any]]:
    """Every policy document anywhere in a resource's state (JSON strings with a Statement)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from policy_documents(item)
    elif isinstance(value, list):
        for item in value:
            yield from policy_documents(item)
    elif isinstance(value, str) and '"Statement"' in value:
        parsed = json.loads(value)
        if isinstance(parsed, dict) and "Statement" in parsed:
            yield parsed


def no_wildcard_action(resources: Sequence[Declared]) -> list[str]:
    """No action holds a ``*``, except where AWS leaves no narrower way (ALLOWED_WILDCARDS)."""
    found = []
    for resource in resources:
        for document in policy_documents(resource.state):
            for statement in policies._as_list(document.get("Statement")):
                for action in policies._as_list(statement.get("Action")):
                    resource_names = policies._as_list(statement.get("Resource"))
                    if "*" in action and not all(
                        any(a.allows(action, r) for a in policies.ALLOWED_WILDCARDS)
                        for r in resource_names or ["(none)"]
                    ):
                        found.append(f"{resource.name}: {action}")
    return found


def encrypted_at_rest(resources: Sequence[Declared]) -> list[str]:
    """Every queue, table, topic and secret is encrypted with a customer-managed key."""
    found = []
    for r in resources:
        key = {
            QUEUE: r.state.get("kmsMasterKeyId"),
            "aws:sns/topic:Topic": r.state.get("kmsMasterKeyId"),
            "aws:secretsmanager/secret:Secret": r.state.get("kmsKeyId"),
            "aws:dynamodb/table:Table": (
                (r.state.get("serverSideEncryption") or {}).get("kmsKeyArn")
                if (r.state.get("serverSideEncryption") or {}).get("enabled")
                else None
            ),
        }.get(r.type, "n/a")
        if key != "n/a" and not (isinstance(key, str) and key.startswith("arn:aws:kms:")):
            found.append(f"{r.type} {r.name} is not encrypted with a KMS key")
    return found


def _retention(queue: Declared) -> int:
    return int(queue.state.get("messageRetentionSeconds") or 4 * 24 * 60 * 60)  # SQS default


def dead_letters_outlive_their_source(resources: Sequence[Declared]) -> list[str]:
    """A DLQ keeps messages longer than whatever feeds it, or a moved message expires early."""
    queues = {r.state["arn"]: r for r in resources if r.type == QUEUE}
    pairs: list[tuple[str, int, str]] = []  # (source, its retention, DLQ ARN)
    for r in resources:
        if r.type == QUEUE and r.state.get("redrivePolicy"):
            target = json.loads(r.state["redrivePolicy"])["deadLetterTargetArn"]
            pairs.append((r.name, _retention(r), target))
        destination = (r.state.get("destinationConfig") or {}).get("onFailure") or {}
        if r.type == "aws:lambda/eventSourceMapping:EventSourceMapping" and destination:
            stream = SOURCE_RETENTION_SECONDS["stream"]
            pairs.append((r.name, stream, destination["destinationArn"]))
        if r.type == "aws:cloudwatch/eventTarget:EventTarget" and r.state.get("deadLetterConfig"):
            age = SOURCE_RETENTION_SECONDS["eventbridge"]
            pairs.append((r.name, age, r.state["deadLetterConfig"]["arn"]))
    return [
        f"{source} keeps {kept}s, its DLQ {queues[dlq].name} only {_retention(queues[dlq])}s"
        for source, kept, dlq in pairs
        if _retention(queues[dlq]) <= kept
    ]


def timeouts_fit_visibility(resources: Sequence[Declared]) -> list[str]:
    """A queue's consumer runs at most a sixth of the queue's visibility timeout (AWS's advice)."""
    queues = {r.state["arn"]: r for r in resources if r.type == QUEUE}
    functions = {r.state["arn"]: r for r in resources if r.type == "aws:lambda/function:Function"}
    by_name = {r.state["name"]: r for r in functions.values()}
    # A trigger may invoke an alias: its function is the one the alias belongs to.
    functions |= {
        r.state["arn"]: by_name[r.state["functionName"]]
        for r in resources
        if r.type == "aws:lambda/alias:Alias"
    }
    found = []
    for r in resources:
        if r.type != "aws:lambda/eventSourceMapping:EventSourceMapping":
            continue
        queue = queues.get(r.state["eventSourceArn"])
        if queue is None:
            continue
        function = functions[r.state["functionName"]]
        visibility = int(queue.state.get("visibilityTimeoutSeconds") or 30)
        if int(function.state["timeout"]) * 6 > visibility:
            found.append(f"{function.name}: timeout above {queue.name}'s visibility / 6")
    return found


def log_groups_expire(resources: Sequence[Declared]) -> list[str]:
    """Every log group has a retention: nothing is kept, and paid for, forever."""
    return [
        f"{r.name} keeps logs forever"
        for r in resources
        if r.type == "aws:cloudwatch/logGroup:LogGroup" and not r.state.get("retentionInDays")
    ]


@cache
def resource_class(typ: str) -> type:
    """The pulumi-aws class of a type token such as ``aws:sqs/queue:Queue``."""
    module, _, name = typ.split(":")[1:][0], None, typ.rsplit(":", 1)[1]
    package = module.split("/")[0]
    loaded = importlib.import_module(f"pulumi_aws.{'lambda_' if package == 'lambda' else package}")
    found: type = getattr(loaded, name)
    return found


def tagged(expected: dict[str, str]) -> Rule:
    """Every resource that takes tags carries the stack's tags."""

    def rule(resources: Sequence[Declared]) -> list[str]:
        return [
            f"{r.type} {r.name} lacks the stack's tags"
            for r in resources
            if r.type.startswith("aws:")
            and takes_tags(resource_class(r.type))
            and not expected.items() <= (r.state.get("tags") or {}).items()
        ]

    return rule


RULES: dict[str, Rule] = {
    "no wildcard action": no_wildcard_action,
    "every queue, table, topic and secret encrypted": encrypted_at_rest,
    "every DLQ keeps longer than its source": dead_letters_outlive_their_source,
    "every queue consumer's timeout at most its queue's visibility timeout / 6": (
        timeouts_fit_visibility
    ),
    "every log group with a retention": log_groups_expire,
}
