"""The payment deadline in every stack, on Pulumi's mocks: the OrderPlaced rule, the Express
starter it targets, the Standard workflow, their least-privilege roles, ERROR logging with
execution data, and the alarms."""

from __future__ import annotations

import json
from typing import Any

from deploy_pulumi.orders_stack import policies
from deploy_pulumi.orders_stack.workflow_definitions import (
    ALREADY_STARTED,
    RETRYABLE_STORE_ERRORS,
)

from orders_core import StoreUnavailable, VersionConflict

from .conftest import Declared, Deployment

MACHINE = "aws:sfn/stateMachine:StateMachine"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
QUEUE = "aws:sqs/queue:Queue"


def _machine(deployment: Deployment, short: str) -> Declared:
    return deployment.one(MACHINE, f"payment-deadline-{short}")


def _definition(machine: Declared) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(machine.state["definition"])
    return document


def _policy(deployment: Deployment, role_arn: str) -> dict[str, Any]:
    role = deployment.by_arn(role_arn)
    (policy,) = [
        p
        for p in deployment.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.state["role"] == f"{role.name}-id"
    ]
    document: dict[str, Any] = json.loads(policy.state["policy"])
    return document


def _grants(document: dict[str, Any]) -> dict[str, tuple[set[str], list[str]]]:
    return {s["Sid"]: (set(s["Action"]), s["Resource"]) for s in document["Statement"]}


def _dlq(deployment: Deployment) -> Declared:
    return deployment.one(QUEUE, "events-payment-deadline-dlq")


def _expiry_alias(deployment: Deployment) -> dict[str, Any]:
    return deployment.one("aws:lambda/alias:Alias", "expiry-live").state


def test_placed_orders_with_a_deadline_start_the_starter_workflow(deployment: Deployment) -> None:
    rule = deployment.one(RULE, "payment-deadline-order-placed").state
    assert rule["eventBusName"] == deployment.one("aws:cloudwatch/eventBus:EventBus").state["name"]
    assert json.loads(rule["eventPattern"]) == {
        "source": ["orders"],
        "detail-type": ["OrderPlaced"],
        "detail": {"order": {"payment_due": [{"exists": True}]}},
    }
    target = deployment.one(TARGET, "payment-deadline-order-placed-target").state
    starter = _machine(deployment, "starter").state
    assert target["arn"] == starter["arn"]
    assert target["deadLetterConfig"]["arn"] == _dlq(deployment).state["arn"]
    assert _grants(_policy(deployment, target["roleArn"])) == {
        "StartStarter": ({"states:StartExecution"}, [starter["arn"]])
    }


def test_the_starter_is_express_and_names_each_run_after_its_order(
    deployment: Deployment,
) -> None:
    starter = _machine(deployment, "starter")
    deadline = _machine(deployment, "deadline")
    assert starter.state["type"] == "EXPRESS"
    states = _definition(starter)["States"]
    start = states["StartDeadline"]
    assert start["Resource"] == "arn:aws:states:::states:startExecution"
    assert start["Parameters"]["StateMachineArn"] == deadline.state["arn"]
    assert start["Parameters"]["Name.$"] == "$.detail.order_id"
    assert start["Parameters"]["Input"] == {
        "order_id.$": "$.detail.order_id",
        "payment_due.$": "$.detail.order.payment_due",
    }
    # A redelivered OrderPlaced: the name is taken, and that is success.
    (already, anything) = start["Catch"]
    assert already == {"ErrorEquals": [ALREADY_STARTED], "Next": "AlreadyStarted"}
    assert states["AlreadyStarted"]["Type"] == "Succeed"
    assert anything["ErrorEquals"] == ["States.ALL"]
    assert states[anything["Next"]]["Parameters"]["QueueUrl"] == _dlq(deployment).state["url"]


def test_the_deadline_workflow_waits_expires_retries_and_catches_to_the_dlq(
    deployment: Deployment,
) -> None:
    machine = _machine(deployment, "deadline")
    assert machine.state["type"] == "STANDARD"
    states = _definition(machine)["States"]
    assert states["WaitForDeadline"]["Type"] == "Wait"
    assert states["WaitForDeadline"]["TimestampPath"] == "$.wait_until"
    task = states["ExpireOrder"]
    assert task["Resource"] == "arn:aws:states:::lambda:invoke"
    assert task["Parameters"]["FunctionName"] == _expiry_alias(deployment)["arn"]
    store_retry = task["Retry"][0]
    # The very names the function raises (Step Functions names a Lambda error by its type).
    assert store_retry["ErrorEquals"] == [StoreUnavailable.__name__, VersionConflict.__name__]
    assert tuple(store_retry["ErrorEquals"]) == RETRYABLE_STORE_ERRORS
    assert store_retry["BackoffRate"] > 1
    assert store_retry["MaxAttempts"] >= 3
    (catch,) = task["Catch"]
    assert catch["ErrorEquals"] == ["States.ALL"]
    to_dlq = states[catch["Next"]]
    assert to_dlq["Resource"] == "arn:aws:states:::sqs:sendMessage"
    assert to_dlq["Parameters"] == {"QueueUrl": _dlq(deployment).state["url"], "MessageBody.$": "$"}
    assert states[to_dlq["Next"]]["Type"] == "Fail"


def test_each_workflow_role_may_do_only_what_its_workflow_does(deployment: Deployment) -> None:
    dlq = _dlq(deployment).state["arn"]
    key = deployment.one("aws:kms/key:Key", "data-key").state["arn"]
    logs = set(policies.LOG_DELIVERY_ACTIONS)
    deadline = _machine(deployment, "deadline").state
    starter = _machine(deployment, "starter").state
    to_dlq = {
        "FailuresToDeadLetterQueue": ({"sqs:SendMessage"}, [dlq]),
        "DataKeyForTheQueue": ({"kms:Decrypt", "kms:GenerateDataKey"}, [key]),
        "LogDelivery": (logs, ["*"]),
    }
    assert _grants(_policy(deployment, deadline["roleArn"])) == {
        "ExpiryFunction": ({"lambda:InvokeFunction"}, [_expiry_alias(deployment)["arn"]]),
        **to_dlq,
    }
    assert _grants(_policy(deployment, starter["roleArn"])) == {
        "StartDeadline": ({"states:StartExecution"}, [deadline["arn"]]),
        **to_dlq,
    }
    region = deployment.config["aws:region"]
    for machine in (deadline, starter):
        statements = _policy(deployment, machine["roleArn"])["Statement"]
        (data_key,) = [s for s in statements if s["Sid"] == "DataKeyForTheQueue"]
        assert data_key["Condition"] == {
            "StringEquals": {"kms:ViaService": [f"sqs.{region}.amazonaws.com"]}
        }
        trust = json.loads(deployment.by_arn(machine["roleArn"]).state["assumeRolePolicy"])
        assert trust["Statement"][0]["Principal"] == {"Service": "states.amazonaws.com"}


def test_both_workflows_log_errors_with_execution_data_to_their_own_group(
    deployment: Deployment,
) -> None:
    groups = {
        g.state["arn"]: g.state for g in deployment.of_type("aws:cloudwatch/logGroup:LogGroup")
    }
    for short in ("deadline", "starter"):
        logging = _machine(deployment, short).state["loggingConfiguration"]
        assert logging["level"] == "ERROR"
        assert logging["includeExecutionData"] is True
        group = groups[logging["logDestination"].removesuffix(":*")]
        assert group["name"].startswith("/aws/vendedlogs/states/")
        assert group["retentionInDays"] == deployment.setting("logRetentionDays")


def _alarm(deployment: Deployment, name: str) -> dict[str, Any]:
    alarm = deployment.one(ALARM, f"alarm-{name}").state
    topic = deployment.one("aws:sns/topic:Topic").state["arn"]
    assert alarm["alarmActions"] == [topic]
    return alarm


def test_alarms_on_failed_and_timed_out_runs_and_the_dlq_depth(deployment: Deployment) -> None:
    deadline = _machine(deployment, "deadline").state["arn"]
    for metric in ("ExecutionsFailed", "ExecutionsTimedOut"):
        alarm = _alarm(deployment, f"payment-deadline-{metric}")
        assert (alarm["namespace"], alarm["metricName"]) == ("AWS/States", metric)
        assert alarm["dimensions"] == {"StateMachineArn": deadline}
        assert alarm["threshold"] == 0
    starter = _alarm(deployment, "payment-deadline-starter-ExecutionsFailed")
    assert starter["dimensions"] == {
        "StateMachineArn": _machine(deployment, "starter").state["arn"]
    }
    depth = _alarm(deployment, "payment-deadline-dlq-depth")
    assert depth["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert depth["dimensions"] == {"QueueName": _dlq(deployment).state["name"]}
