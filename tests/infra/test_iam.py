"""Least privilege: a role per function, only the calls it makes, and no stray wildcard."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from deploy_pulumi.orders_stack import policies
from deploy_pulumi.orders_stack.environment import function_environment
from deploy_pulumi.orders_stack.functions import FUNCTIONS, FunctionSpec

from orders_manifest.operations import Grant

from .conftest import Declared, Deployment, FakeCloud
from .rules import policy_documents

COMMON = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "kms:Decrypt",
}
FLAGS = {"appconfig:StartConfigurationSession", "appconfig:GetLatestConfiguration"}
IDEMPOTENCY = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
# What each abstract grant of the manifest allows, as IAM actions: a function's role holds the
# actions of its grants and nothing else beyond logging, tracing and reading its environment.
GRANT_ACTIONS: dict[Grant, set[str]] = {
    Grant.READ_ORDERS: {"dynamodb:GetItem"},
    Grant.WRITE_ORDERS: {"dynamodb:PutItem"},
    Grant.DELETE_ORDERS: {"dynamodb:DeleteItem"},
    Grant.QUERY_ORDERS: {"dynamodb:Query"},
    Grant.IDEMPOTENCY_RECORDS: IDEMPOTENCY,
    Grant.FEATURE_FLAGS: FLAGS,
    Grant.CURSOR_SECRET: {"secretsmanager:GetSecretValue"},
    Grant.CONSUME_PAYMENTS: {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
    },
    Grant.READ_OUTBOX_STREAM: {
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
    },
    Grant.PUBLISH_EVENTS: {"events:PutEvents"},
    # Its queue is KMS-encrypted: sending makes a data key.
    Grant.DEAD_LETTERS: {"sqs:SendMessage", "kms:GenerateDataKey"},
}


def expected_actions(spec: FunctionSpec) -> set[str]:
    return set().union(*(GRANT_ACTIONS[grant] for grant in spec.grants))


def _role_policy(deployment: Deployment, function: Declared) -> dict[str, Any]:
    return deployment.role_policy(function)


def _function(deployment: Deployment, short_name: str) -> Declared:
    handler = next(spec.handler for spec in FUNCTIONS if spec.name == short_name)
    (found,) = [
        f
        for f in deployment.of_type("aws:lambda/function:Function")
        if f.state["handler"] == handler
    ]
    return found


def test_every_function_has_a_role_of_its_own(deployment: Deployment) -> None:
    functions = deployment.of_type("aws:lambda/function:Function")
    roles = [f.state["role"] for f in functions]
    assert len(set(roles)) == len(functions) == len(FUNCTIONS)
    for role_arn in roles:
        trust = json.loads(deployment.by_arn(role_arn).state["assumeRolePolicy"])
        assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_every_grant_has_its_actions_stated_here() -> None:
    assert set(GRANT_ACTIONS) == set(Grant)


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_a_function_may_call_only_what_its_grants_allow(
    deployment: Deployment, spec: FunctionSpec
) -> None:
    document = _role_policy(deployment, _function(deployment, spec.name))
    actions = {action for s in document["Statement"] for action in s["Action"]}
    assert actions == COMMON | expected_actions(spec)


def test_the_docs_function_may_touch_nothing() -> None:
    (docs,) = [spec for spec in FUNCTIONS if spec.name == "docs"]
    assert expected_actions(docs) == set()


def test_table_grants_name_the_table_or_its_indexes_only(deployment: Deployment) -> None:
    orders = deployment.one("aws:dynamodb/table:Table", "data-orders").state
    idempotency = deployment.one("aws:dynamodb/table:Table", "data-idempotency").state["arn"]
    # ListStreams alone is on "*" (policies.ALLOWED_WILDCARDS says why).
    allowed = {orders["arn"], orders["streamArn"], idempotency}
    for spec in FUNCTIONS:
        for statement in _role_policy(deployment, _function(deployment, spec.name))["Statement"]:
            if statement["Action"] == ["dynamodb:ListStreams"]:
                assert spec.name == "publisher"
                continue
            if any(a.startswith("dynamodb:") for a in statement["Action"]):
                for resource in statement["Resource"]:
                    assert resource in allowed or resource.startswith(f"{orders['arn']}/index/")
    listing = _role_policy(deployment, _function(deployment, "list_orders"))["Statement"]
    query = next(s for s in listing if "dynamodb:Query" in s["Action"])
    assert query["Resource"] == [f"{orders['arn']}/index/GSI1", f"{orders['arn']}/index/GSI2"]


def test_no_policy_document_holds_a_wildcard_off_the_allowed_list(deployment: Deployment) -> None:
    documents = [(r.name, d) for r in deployment.resources for d in policy_documents(r.state)]
    # 10 role policies and 10 trust policies, 2 key policies, the shipments DLQ's policy.
    assert len(documents) >= 2 * len(FUNCTIONS) + 3
    problems = [f"{name}: {v}" for name, d in documents for v in policies.wildcard_violations(d)]
    assert problems == []


def test_the_wildcard_check_catches_what_it_should() -> None:
    document = {
        "Statement": [
            {"Sid": "TooBroad", "Action": ["dynamodb:*"], "Resource": ["arn:aws:dynamodb:x"]},
            {"Sid": "AnyTable", "Action": "dynamodb:GetItem", "Resource": "*"},
            {"Sid": "Tracing", "Action": ["xray:PutTraceSegments"], "Resource": ["*"]},
        ]
    }
    assert policies.wildcard_violations(document) == [
        "TooBroad: dynamodb:* on arn:aws:dynamodb:x",
        "AnyTable: dynamodb:GetItem on *",
    ]


def test_every_allowed_wildcard_says_why() -> None:
    assert all(len(entry.reason) > 20 for entry in policies.ALLOWED_WILDCARDS)


def test_a_check_inside_an_output_fails_the_test_when_it_fails() -> None:
    pulumi.runtime.set_mocks(FakeCloud("eu-west-1"), preview=False)

    def must_be_two(value: int) -> None:
        assert value == 2

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def check() -> pulumi.Output[None]:
        return pulumi.Output.from_input(1).apply(must_be_two)

    with pytest.raises(AssertionError):
        check()


def test_an_environment_the_settings_model_rejects_fails_the_deployment() -> None:
    pulumi.runtime.set_mocks(FakeCloud("eu-west-1"), preview=False)

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def declare() -> pulumi.Output[dict[str, str]]:
        return function_environment(
            orders_table="orders",
            idempotency_table="idempotency",
            appconfig_application="",
            appconfig_environment="env",
            appconfig_profile="profile",
            log_level="INFO",
        )

    with pytest.raises(ValueError, match="ORDERS_APPCONFIG_APPLICATION"):
        declare()
