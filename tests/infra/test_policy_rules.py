"""The policy rules hold on every stack, and each one fails on a breach of it."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from deploy_pulumi.orders_stack.tagging import takes_tags

from .conftest import Declared, Deployment
from .rules import RULES, resource_class, tagged


def _tags(deployment: Deployment) -> dict[str, str]:
    tags = deployment.setting("tags")
    return {
        "service": "orders",
        "stack": deployment.stack,
        "owner": tags["owner"],
        "cost-centre": tags["costCentre"],
    }


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_stack_keeps_the_rule(deployment: Deployment, rule: str) -> None:
    assert RULES[rule](deployment.resources) == []


def test_every_taggable_resource_carries_the_stacks_tags(deployment: Deployment) -> None:
    assert tagged(_tags(deployment))(deployment.resources) == []
    tagged_types = {r.type for r in deployment.resources if r.state.get("tags")}
    # Not a rule that passes by finding nothing: the stack has many taggable kinds.
    assert len(tagged_types) >= 15
    assert "aws:lambda/function:Function" in tagged_types


def test_a_resource_without_tags_breaks_the_tag_rule(deployment: Deployment) -> None:
    queue = next(r for r in deployment.resources if r.type == "aws:sqs/queue:Queue")
    bare = replace(queue, state={**queue.state, "tags": {"service": "orders"}})
    expected = f"{queue.type} {queue.name} lacks the stack's tags"
    assert tagged(_tags(deployment))([bare]) == [expected]


def test_a_type_without_a_tags_input_is_not_asked_for_tags() -> None:
    assert not takes_tags(resource_class("aws:iam/rolePolicy:RolePolicy"))
    assert takes_tags(resource_class("aws:lambda/function:Function"))


def _with(deployment: Deployment, typ: str, name_part: str, **state: object) -> list[Declared]:
    changed = deployment.one(typ, name_part)
    return [
        replace(r, state={**r.state, **state}) if r is changed else r for r in deployment.resources
    ]


def test_each_rule_fails_on_a_breach(deployment: Deployment) -> None:
    role_policy = deployment.of_type("aws:iam/rolePolicy:RolePolicy")[0]
    broad = json.dumps(
        {"Statement": [{"Sid": "X", "Action": ["dynamodb:*"], "Resource": ["arn:aws:x"]}]}
    )
    breaches = {
        "no wildcard action": _with(deployment, role_policy.type, role_policy.name, policy=broad),
        "every queue, table, topic and secret encrypted": _with(
            deployment, "aws:sqs/queue:Queue", "events-payments", kmsMasterKeyId=None
        ),
        "every DLQ keeps longer than its source": _with(
            deployment,
            "aws:sqs/queue:Queue",
            "events-payments-dlq",
            messageRetentionSeconds=60,
        ),
        "every queue consumer's timeout at most its queue's visibility timeout / 6": _with(
            deployment, "aws:sqs/queue:Queue", "events-payments", visibilityTimeoutSeconds=30
        ),
        "every log group with a retention": _with(
            deployment,
            "aws:cloudwatch/logGroup:LogGroup",
            "api-access-logs",
            retentionInDays=None,
        ),
    }
    assert set(breaches) == set(RULES)
    for rule, resources in breaches.items():
        assert RULES[rule](resources), rule
