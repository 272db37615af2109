"""Alarms to a KMS-encrypted SNS topic, and two dashboards: the business and the machinery."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from orders_manifest.events import CONSUMERS
from orders_manifest.metrics import (
    ERRORS_BY_CODE,
    EVENTS_NOT_PUBLISHED,
    FLAG_FAILURE_REASONS,
    FLAG_FAILURES,
    MESSAGES_REJECTED,
    ORDER_VALUE,
    ORDERS_CANCELLED,
    ORDERS_PLACED,
)
from orders_manifest.tables import IDEMPOTENCY_TABLE, ORDERS_TABLE

from .data import Data, key_policy, service_may_use_key
from .environment import metrics_namespace, service_name
from .events import Events
from .functions import FUNCTIONS, Functions
from .settings import StackSettings
from .workflow import PaymentDeadline

# DynamoDB reports SystemErrors per operation; these are the ones the service calls.
TABLE_OPERATIONS = (
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "TransactWriteItems",
)
Dimensions = Mapping[str, pulumi.Input[str]]


@dataclass(frozen=True, slots=True)
class Metric:
    namespace: str
    name: str
    dimensions: Dimensions


@dataclass(frozen=True, slots=True)
class Query:
    """A CloudWatch Metrics Insights query: it spans every value of a dimension the code
    emits (a rejection reason, say), which a fixed list of metrics could not."""

    sql: str
    label: str


@dataclass(frozen=True, slots=True)
class Threshold:
    """When an alarm fires: the statistic over ``period`` seconds compared with ``value``."""

    value: pulumi.Input[float]
    statistic: str = "Sum"
    period: int = 60
    evaluation_periods: int = 1
    comparison: str = "GreaterThanThreshold"


class Monitoring(pulumi.ComponentResource):
    """The alarm topic, every alarm, and the two dashboards."""

    topic: aws.sns.Topic
    alarms: dict[str, aws.cloudwatch.MetricAlarm]

    def __init__(
        self,
        name: str,
        settings: StackSettings,
        *,
        account_id: pulumi.Input[str],
        functions: Functions,
        data: Data,
        events: Events,
        deadline: PaymentDeadline,
        api: Dimensions,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("orders:stack:Monitoring", name, None, opts)
        self._child = pulumi.ResourceOptions(parent=self)
        self._settings = settings
        self.alarms = {}
        self._function_names = {short: f.name for short, f in functions.functions.items()}
        key = aws.kms.Key(
            f"{name}-key",
            description=f"Orders alarms ({settings.stack}): the SNS topic",
            enable_key_rotation=True,
            policy=key_policy(
                account_id,
                service_may_use_key("cloudwatch.amazonaws.com", account_id, "CloudWatchAlarms"),
            ),
            opts=self._child,
        )
        self.topic = aws.sns.Topic(f"{name}-alarms", kms_master_key_id=key.arn, opts=self._child)
        if settings.alarms.email:
            aws.sns.TopicSubscription(
                f"{name}-alarms-email",
                topic=self.topic.arn,
                protocol="email",
                endpoint=settings.alarms.email,
                opts=self._child,
            )
        self._api_alarms(api)
        self._function_alarms(functions)
        self._table_alarms(data)
        self._queue_alarms(events)
        self._delivery_alarms(events)
        self._deadline_alarms(deadline, events)
        self._alarm(
            "flag-fetch-failures",
            "Feature flags could not be fetched or were invalid; no discounts are applied",
            [
                Metric(metrics_namespace(), FLAG_FAILURES, {"service": service_name(), "reason": r})
                for r in FLAG_FAILURE_REASONS
            ],
            Threshold(settings.alarms.flag_fetch_failures_per_5_minutes, period=300),
        )
        self._dashboards(name, api, functions, data, events)
        self.register_outputs({"topic": self.topic.arn})

    def _alarm(
        self,
        name: str,
        description: str,
        metric: Metric | list[Metric] | Query,
        threshold: Threshold,
        expression: str | None = None,
    ) -> None:
        """An alarm to the topic on one metric, a query, or several metrics combined by
        ``expression`` over m0, m1, ... (default: their sum, a missing one counting 0)."""
        percentile = threshold.statistic.startswith("p")
        shape: dict[str, Any]
        if isinstance(metric, Query):
            shape = {
                "metric_queries": [
                    aws.cloudwatch.MetricAlarmMetricQueryArgs(
                        id="q",
                        expression=metric.sql,
                        label=metric.label,
                        period=threshold.period,
                        return_data=True,
                    )
                ]
            }
        elif isinstance(metric, Metric):
            shape = {
                "namespace": metric.namespace,
                "metric_name": metric.name,
                "dimensions": dict(metric.dimensions),
                "statistic": None if percentile else threshold.statistic,
                "extended_statistic": threshold.statistic if percentile else None,
                "period": threshold.period,
            }
        else:
            queries = [
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id=f"m{index}",
                    return_data=False,
                    metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                        namespace=part.namespace,
                        metric_name=part.name,
                        dimensions=dict(part.dimensions),
                        stat=threshold.statistic,
                        period=threshold.period,
                    ),
                )
                for index, part in enumerate(metric)
            ]
            total = expression or " + ".join(f"FILL(m{index}, 0)" for index in range(len(metric)))
            shape = {
                "metric_queries": [
                    *queries,
                    aws.cloudwatch.MetricAlarmMetricQueryArgs(
                        id="total", expression=total, label=metric[0].name, return_data=True
                    ),
                ]
            }
        self.alarms[name] = aws.cloudwatch.MetricAlarm(
            f"alarm-{name}",
            name=self._settings.resource_name(name),
            alarm_description=description,
            evaluation_periods=threshold.evaluation_periods,
            threshold=threshold.value,
            comparison_operator=threshold.comparison,
            treat_missing_data="notBreaching",
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
            opts=self._child,
            **shape,
        )

    def _api_alarms(self, api: Dimensions) -> None:
        alarms = self._settings.alarms
        self._alarm(
            "api-5xx",
            "The API answers with server errors",
            Metric("AWS/ApiGateway", "5XXError", api),
            Threshold(alarms.api_5xx_per_minute),
        )
        self._alarm(
            "api-latency-p90",
            "The API's p90 latency is above its budget",
            Metric("AWS/ApiGateway", "Latency", api),
            Threshold(alarms.api_p90_latency_ms, statistic="p90", evaluation_periods=5),
        )
        # A count alone misses a rise that comes with traffic: the share of requests failing.
        self._alarm(
            "api-5xx-rate",
            f"More than {alarms.api_5xx_percent}% of API requests end in a server error",
            [Metric("AWS/ApiGateway", "5XXError", api), Metric("AWS/ApiGateway", "Count", api)],
            Threshold(alarms.api_5xx_percent, period=300),
            expression="100 * FILL(m0, 0) / IF(FILL(m1, 0) > 0, m1, 1)",
        )

    def _function_alarms(self, functions: Functions) -> None:
        percent = self._settings.alarms.duration_percent_of_timeout
        for short, function in functions.functions.items():
            slug = short.replace("_", "-")
            dims = {"FunctionName": function.name}
            for metric, what in (("Errors", "fails"), ("Throttles", "is throttled")):
                self._alarm(
                    f"{slug}-{metric.lower()}",
                    f"{short} {what}",
                    Metric("AWS/Lambda", metric, dims),
                    Threshold(0),
                )
            sizing = next(spec.sizing for spec in FUNCTIONS if spec.name == short)
            self._alarm(
                f"{slug}-latency-p90",
                f"{short}'s p90 duration is above its budget",
                Metric("AWS/Lambda", "Duration", dims),
                Threshold(
                    self._settings.alarms.function_p90_ms[sizing],
                    statistic="p90",
                    period=300,
                ),
            )
            near_timeout = function.timeout.apply(lambda seconds: (seconds or 3) * 10 * percent)
            self._alarm(
                f"{slug}-duration",
                f"{short} runs close to its timeout ({percent}% of it)",
                Metric("AWS/Lambda", "Duration", dims),
                Threshold(near_timeout, statistic="p99", period=300),
            )
        self._alarm(
            "publisher-iterator-age",
            "The outbox publisher falls behind the table's stream",
            Metric(
                "AWS/Lambda", "IteratorAge", {"FunctionName": functions.functions["publisher"].name}
            ),
            Threshold(self._settings.alarms.iterator_age_seconds * 1000, statistic="Maximum"),
        )
        self._alarm(
            "publisher-events-not-published",
            "EventBridge keeps refusing order events; the stream retries them, then they go "
            "to the publisher's on-failure queue",
            Metric(metrics_namespace(), EVENTS_NOT_PUBLISHED, {"service": service_name()}),
            Threshold(0, period=300, evaluation_periods=3),
        )

    def _table_alarms(self, data: Data) -> None:
        for label, table, definition in (
            ("orders", data.orders_table, ORDERS_TABLE),
            ("idempotency", data.idempotency_table, IDEMPOTENCY_TABLE),
        ):
            for metric in ("ReadThrottleEvents", "WriteThrottleEvents"):
                self._alarm(
                    f"{label}-table-{metric}",
                    f"The {label} table throttles requests",
                    Metric("AWS/DynamoDB", metric, {"TableName": table.name}),
                    Threshold(0),
                )
                # An index throttles on its own (and a throttled GSI write throttles the
                # table's writes): the table-level metric does not show it.
                for index in definition.indexes:
                    self._alarm(
                        f"{label}-{index.name.lower()}-{metric}",
                        f"Index {index.name} of the {label} table throttles requests",
                        Metric(
                            "AWS/DynamoDB",
                            metric,
                            {"TableName": table.name, "GlobalSecondaryIndexName": index.name},
                        ),
                        Threshold(0),
                    )
            self._alarm(
                f"{label}-table-system-errors",
                f"DynamoDB fails requests to the {label} table",
                [
                    Metric(
                        "AWS/DynamoDB", "SystemErrors", {"TableName": table.name, "Operation": op}
                    )
                    for op in TABLE_OPERATIONS
                ],
                Threshold(0),
            )

    def _delivery_alarms(self, events: Events) -> None:
        """Where a message or an alarm can fail to arrive: the rule, the async destination,
        the payments backlog, the consumers' rejections and the alarm topic itself."""
        alarms = self._settings.alarms
        rule = {"RuleName": events.shipments_rule.name, "EventBusName": events.bus.name}
        for metric, what in (
            ("FailedInvocations", "EventBridge could not invoke the shipments consumer"),
            ("InvocationsSentToDlq", "Shipment events went to the rule's dead-letter queue"),
        ):
            self._alarm(
                f"shipments-rule-{metric}", what, Metric("AWS/Events", metric, rule), Threshold(0)
            )
        self._alarm(
            "shipments-destination-delivery-failures",
            "A failed shipments invocation could not be sent to its dead-letter queue",
            Metric(
                "AWS/Lambda",
                "DestinationDeliveryFailures",
                {"FunctionName": self._function_names["shipments"]},
            ),
            Threshold(0),
        )
        self._alarm(
            "payments-oldest-message",
            "Payments wait in the queue longer than they should",
            Metric(
                "AWS/SQS",
                "ApproximateAgeOfOldestMessage",
                {"QueueName": events.payments_queue.name},
            ),
            Threshold(alarms.payments_oldest_message_seconds, statistic="Maximum"),
        )
        namespace = metrics_namespace()
        for consumer in CONSUMERS:
            self._alarm(
                f"{consumer}-messages-rejected",
                f"The {consumer} consumer rejects messages (any reason)",
                # Metrics Insights over our own constant names; no outside input reaches it.
                Query(
                    f'SELECT SUM("{MESSAGES_REJECTED}") FROM SCHEMA("{namespace}", '  # noqa: S608
                    f"consumer, reason, service) WHERE consumer = '{consumer}' "
                    f"AND service = '{service_name()}'",
                    MESSAGES_REJECTED,
                ),
                Threshold(alarms.messages_rejected_per_5_minutes, period=300),
            )
        self._alarm(
            "alarm-topic-failed-notifications",
            "The alarm topic could not deliver notifications",
            Metric("AWS/SNS", "NumberOfNotificationsFailed", {"TopicName": self.topic.name}),
            Threshold(0, period=300),
        )

    def _deadline_alarms(self, deadline: PaymentDeadline, events: Events) -> None:
        """The payment deadline: a run that failed (its input is on the DLQ, whose depth has
        its own alarm), one that timed out, a start that failed, an event not delivered."""
        standard = {"StateMachineArn": deadline.state_machine.arn}
        for metric, what in (
            ("ExecutionsFailed", "A payment deadline run failed; its input is on the DLQ"),
            ("ExecutionsTimedOut", "A payment deadline run timed out"),
        ):
            self._alarm(
                f"payment-deadline-{metric}",
                what,
                Metric("AWS/States", metric, standard),
                Threshold(0),
            )
        self._alarm(
            "payment-deadline-starter-ExecutionsFailed",
            "A payment deadline could not be started; the event is on the DLQ",
            Metric("AWS/States", "ExecutionsFailed", {"StateMachineArn": deadline.starter.arn}),
            Threshold(0),
        )
        rule = {"RuleName": deadline.rule.name, "EventBusName": events.bus.name}
        self._alarm(
            "payment-deadline-rule-FailedInvocations",
            "EventBridge could not start the payment deadline starter",
            Metric("AWS/Events", "FailedInvocations", rule),
            Threshold(0),
        )

    def _queue_alarms(self, events: Events) -> None:
        for path, queue in events.dead_letter_queues.items():
            self._alarm(
                f"{path}-dlq-depth",
                f"Messages of the {path} path are in its dead-letter queue",
                Metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": queue.name}),
                Threshold(0, statistic="Maximum"),
            )

    def _dashboards(
        self,
        name: str,
        api: Dimensions,
        functions: Functions,
        data: Data,
        events: Events,
    ) -> None:
        region = self._settings.region
        service = metrics_namespace()

        def widget(title: str, metrics: Sequence[Sequence[Any]], stat: str = "Sum") -> Any:
            return {
                "type": "metric",
                "width": 12,
                "height": 6,
                "properties": {
                    "title": title,
                    "region": region,
                    "stat": stat,
                    "period": 300,
                    "metrics": [list(m) for m in metrics],
                },
            }

        api_dims = ["ApiName", api["ApiName"], "Stage", api["Stage"]]

        def by(metric: str, dimension: str) -> list[dict[str, str]]:
            # One line per value of the dimension, whichever values the code emits.
            search = f'{{{service},{dimension},service}} MetricName="{metric}"'
            return [{"expression": f"SEARCH('{search}', 'Sum', 300)", "id": dimension}]

        business = [
            widget("Orders placed", [[service, ORDERS_PLACED, "service", service_name()]]),
            widget("Orders cancelled", [[service, ORDERS_CANCELLED, "service", service_name()]]),
            widget("Order value per currency", [by(ORDER_VALUE, "currency")]),
            widget("Errors per code", [by(ERRORS_BY_CODE, "code")]),
            widget("Flag failures per reason", [by(FLAG_FAILURES, "reason")]),
            widget(
                "Order events left to the stream's retry",
                [[service, EVENTS_NOT_PUBLISHED, "service", service_name()]],
            ),
            widget(
                "API requests and errors",
                [
                    ["AWS/ApiGateway", metric, *api_dims]
                    for metric in ("Count", "4XXError", "5XXError")
                ],
            ),
            widget(
                "API latency (p50, p90, p99)",
                [
                    ["AWS/ApiGateway", "Latency", *api_dims, {"stat": stat}]
                    for stat in ("p50", "p90", "p99")
                ],
                stat="p90",
            ),
        ]
        detail = [
            widget(
                f"{metric} per function",
                [
                    ["AWS/Lambda", metric, "FunctionName", function.name]
                    for function in functions.functions.values()
                ],
                stat=stat,
            )
            for metric, stat in (
                ("Invocations", "Sum"),
                ("Errors", "Sum"),
                ("Throttles", "Sum"),
                ("Duration", "p90"),
                ("ConcurrentExecutions", "Maximum"),
            )
        ]
        detail += [
            widget(
                f"{label} table",
                [
                    ["AWS/DynamoDB", metric, "TableName", table.name]
                    for metric in (
                        "ConsumedReadCapacityUnits",
                        "ConsumedWriteCapacityUnits",
                        "ReadThrottleEvents",
                        "WriteThrottleEvents",
                    )
                ],
            )
            for label, table in (
                ("Orders", data.orders_table),
                ("Idempotency", data.idempotency_table),
            )
        ]
        queues = {"payments": events.payments_queue} | {
            f"{path} DLQ": queue for path, queue in events.dead_letter_queues.items()
        }
        detail += [
            widget(
                "Queue depth",
                [
                    ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue.name]
                    for queue in queues.values()
                ],
                stat="Maximum",
            ),
            widget(
                "Oldest message age (s)",
                [
                    [
                        "AWS/SQS",
                        "ApproximateAgeOfOldestMessage",
                        "QueueName",
                        events.payments_queue.name,
                    ]
                ],
                stat="Maximum",
            ),
            widget(
                "Outbox stream iterator age (ms)",
                [
                    [
                        "AWS/Lambda",
                        "IteratorAge",
                        "FunctionName",
                        functions.functions["publisher"].name,
                    ]
                ],
                stat="Maximum",
            ),
        ]
        for suffix, widgets in (("business", business), ("detail", detail)):
            aws.cloudwatch.Dashboard(
                f"{name}-{suffix}",
                dashboard_name=self._settings.resource_name(suffix),
                dashboard_body=pulumi.Output.json_dumps({"widgets": widgets}),
                opts=self._child,
            )
