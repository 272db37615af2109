"""Every failure path has an alarm, and a gradual flags rollout rolls back on one."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from deploy_pulumi.orders_stack.config import ROLLBACK_ALARMS, flags_json_schema
from deploy_pulumi.orders_stack.functions import FUNCTIONS

from orders_adapters.appconfig import (
    InvalidFlagsDocument,
    default_flags_document,
    validate_flags_document,
)
from orders_lambda.metric_names import MESSAGES_REJECTED

from .conftest import ACCOUNT, Declared, Deployment, stack_config

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def _alarm(deployment: Deployment, short: str) -> Declared:
    return deployment.one(ALARM, f"alarm-{short}")


def _to_topic(deployment: Deployment, alarm: Declared) -> None:
    topic = deployment.one("aws:sns/topic:Topic").state["arn"]
    assert alarm.state["alarmActions"] == [topic]


def test_the_shipments_rule_alarms_on_failed_invocations_and_dead_letters(
    deployment: Deployment,
) -> None:
    rule = deployment.one("aws:cloudwatch/eventRule:EventRule", "events-shipments").state["name"]
    bus = deployment.one("aws:cloudwatch/eventBus:EventBus").state["name"]
    for metric in ("FailedInvocations", "InvocationsSentToDlq"):
        alarm = _alarm(deployment, f"shipments-rule-{metric}")
        assert alarm.state["namespace"] == "AWS/Events"
        assert alarm.state["metricName"] == metric
        assert alarm.state["dimensions"] == {"RuleName": rule, "EventBusName": bus}
        _to_topic(deployment, alarm)


def test_a_failed_delivery_to_the_async_destination_alarms(deployment: Deployment) -> None:
    alarm = _alarm(deployment, "shipments-destination-delivery-failures").state
    assert alarm["metricName"] == "DestinationDeliveryFailures"
    assert alarm["dimensions"]["FunctionName"].endswith("-shipments")


def test_old_payments_in_the_queue_alarm(deployment: Deployment) -> None:
    alarm = _alarm(deployment, "payments-oldest-message").state
    queue = deployment.one("aws:sqs/queue:Queue", "events-payments").state["name"]
    assert alarm["metricName"] == "ApproximateAgeOfOldestMessage"
    assert alarm["dimensions"] == {"QueueName": queue}
    assert alarm["threshold"] == deployment.setting("alarms")["paymentsOldestMessageSeconds"]


@pytest.mark.parametrize("consumer", ["payments", "shipments"])
def test_rejected_messages_alarm_whatever_their_reason(
    deployment: Deployment, consumer: str
) -> None:
    alarm = _alarm(deployment, f"{consumer}-messages-rejected").state
    (query,) = alarm["metricQueries"]
    assert f'SUM("{MESSAGES_REJECTED}")' in query["expression"]
    assert f"consumer = '{consumer}'" in query["expression"]
    assert "reason" not in query["expression"].partition("WHERE")[2]


def test_the_alarm_topic_alarms_when_it_cannot_notify(deployment: Deployment) -> None:
    alarm = _alarm(deployment, "alarm-topic-failed-notifications").state
    assert alarm["namespace"] == "AWS/SNS"
    assert alarm["metricName"] == "NumberOfNotificationsFailed"
    assert alarm["dimensions"] == {"TopicName": deployment.one("aws:sns/topic:Topic").name}


def test_the_api_alarms_on_its_share_of_server_errors(deployment: Deployment) -> None:
    alarm = _alarm(deployment, "api-5xx-rate").state
    queries = {q["id"]: q for q in alarm["metricQueries"]}
    assert queries["m0"]["metric"]["metricName"] == "5XXError"
    assert queries["m1"]["metric"]["metricName"] == "Count"
    assert queries["total"]["expression"].startswith("100 * ")
    assert alarm["threshold"] == deployment.setting("alarms")["api5xxPercent"]


def test_every_function_alarms_on_its_p90_duration(deployment: Deployment) -> None:
    budgets = deployment.setting("alarms")["functionP90DurationMs"]
    for spec in FUNCTIONS:
        alarm = _alarm(deployment, f"{spec.name.replace('_', '-')}-latency-p90").state
        assert alarm["extendedStatistic"] == "p90"
        assert alarm["threshold"] == budgets[spec.sizing]


def _profile(deployment: Deployment) -> dict[str, Any]:
    return deployment.one("aws:appconfig/configurationProfile:ConfigurationProfile").state


def test_appconfig_checks_the_flags_document_against_the_generated_schema(
    deployment: Deployment,
) -> None:
    (validator,) = _profile(deployment)["validators"]
    assert validator["type"] == "JSON_SCHEMA"
    assert json.loads(validator["content"]) == flags_json_schema()


BAD_DOCUMENTS = {
    "a percent above 100": {"premium_discount": {"boolean_type": False, "default": 150}},
    "a boolean flag": {"premium_discount": {"boolean_type": True, "default": False}},
    "an unknown tier": {
        "premium_discount": {
            "boolean_type": False,
            "default": False,
            "rules": {
                "gold": {
                    "when_match": 10,
                    "conditions": [{"action": "EQUALS", "key": "tier", "value": "gold"}],
                }
            },
        }
    },
    "an unknown context key": {
        "campaign_discount": {
            "boolean_type": False,
            "default": False,
            "rules": {
                "x": {
                    "when_match": 5,
                    "conditions": [{"action": "EQUALS", "key": "country", "value": "FR"}],
                }
            },
        }
    },
    "a campaign without its switch": {
        "campaign_discount": {"boolean_type": False, "default": {"percent": 5}}
    },
}


def test_the_schema_accepts_the_shipped_document() -> None:
    jsonschema.Draft4Validator(flags_json_schema()).validate(default_flags_document())


@pytest.mark.parametrize("problem", sorted(BAD_DOCUMENTS))
def test_the_schema_refuses_what_the_runtime_refuses(problem: str) -> None:
    document = BAD_DOCUMENTS[problem]
    with pytest.raises(InvalidFlagsDocument):
        validate_flags_document(document)
    assert not jsonschema.Draft4Validator(flags_json_schema()).is_valid(document)


def test_a_gradual_flags_rollout_rolls_back_on_its_alarms(deployment: Deployment) -> None:
    environment = deployment.one("aws:appconfig/environment:Environment").state
    if deployment.setting("flagsRolloutMinutes") == 0:
        assert not environment.get("monitors")
        return
    region = deployment.config["aws:region"]
    alarms = {a.state["name"]: a.state for a in deployment.of_type(ALARM)}
    arns = [m["alarmArn"] for m in environment["monitors"]]
    assert arns == [
        f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:orders-{deployment.stack}-{name}"
        for name in ROLLBACK_ALARMS
    ]
    # The monitors name alarms that the stack does declare.
    assert {arn.rpartition(":")[2] for arn in arns} <= set(alarms)
    role = deployment.by_arn(environment["monitors"][0]["alarmRoleArn"])
    trust = json.loads(role.state["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "appconfig.amazonaws.com"}
    (policy,) = [
        p
        for p in deployment.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.state["role"] == f"{role.name}-id"
    ]
    (statement,) = json.loads(policy.state["policy"])["Statement"]
    assert statement["Action"] == ["cloudwatch:DescribeAlarms"]
    assert statement["Resource"] == arns


def test_prod_rolls_its_flags_out_gradually() -> None:
    assert stack_config("prod")["orders-service:flagsRolloutMinutes"] > 0
