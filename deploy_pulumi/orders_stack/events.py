"""Queues, the event bus and the shipments rule, and a dead-letter queue for each async path."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from orders_manifest.events import SHIPMENT_EVENT_TYPES, SHIPMENTS_SOURCE

from . import policies
from .settings import StackSettings

# Upper bound SQS allows for message retention: keep dead letters as long as possible.
MAX_RETENTION_SECONDS = 14 * 24 * 60 * 60


class Events(pulumi.ComponentResource):
    """The payments queue, the orders bus with the shipments rule, and a DLQ for every async path.

    ``dead_letter_queues`` names each async path and the queue its failures end in; Monitoring
    alarms on every one of them.
    """

    payments_queue: aws.sqs.Queue
    bus: aws.cloudwatch.EventBus
    shipments_rule: aws.cloudwatch.EventRule
    dead_letter_queues: dict[str, aws.sqs.Queue]

    def __init__(
        self,
        name: str,
        settings: StackSettings,
        key: aws.kms.Key,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("orders:stack:Events", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self._settings = settings
        self._key = key
        self.dead_letter_queues = {
            path: self._queue(f"{name}-{path}-dlq", MAX_RETENTION_SECONDS, None, child)
            for path in ("payments", "shipments", "outbox-stream", "payment-deadline")
        }
        payments_dlq = self.dead_letter_queues["payments"]
        self.payments_queue = self._queue(
            f"{name}-payments",
            settings.payments_retention_seconds,
            settings.payments_visibility_timeout_seconds,
            child,
            redrive_policy=payments_dlq.arn.apply(
                lambda arn: json.dumps(
                    {
                        "deadLetterTargetArn": arn,
                        "maxReceiveCount": settings.payments_max_receive_count,
                    }
                )
            ),
        )
        self.bus = aws.cloudwatch.EventBus(
            f"{name}-bus", name=settings.resource_name("bus"), opts=child
        )
        self.shipments_rule = aws.cloudwatch.EventRule(
            f"{name}-shipments",
            description="Shipment events for the orders shipments consumer",
            event_bus_name=self.bus.name,
            # The source too: another publisher on the bus must not move orders.
            event_pattern=json.dumps(
                {"source": [SHIPMENTS_SOURCE], "detail-type": list(SHIPMENT_EVENT_TYPES)}
            ),
            opts=child,
        )
        shipments_dlq = self.dead_letter_queues["shipments"]
        aws.sqs.QueuePolicy(
            f"{name}-shipments-dlq-policy",
            queue_url=shipments_dlq.url,
            policy=policies.rule_may_deliver_to(shipments_dlq.arn, self.shipments_rule.arn),
            opts=child,
        )
        self.register_outputs({"payments_queue": self.payments_queue.name, "bus": self.bus.name})

    def _queue(
        self,
        name: str,
        retention_seconds: int,
        visibility_timeout_seconds: int | None,
        opts: pulumi.ResourceOptions,
        redrive_policy: pulumi.Input[str] | None = None,
    ) -> aws.sqs.Queue:
        return aws.sqs.Queue(
            name,
            kms_master_key_id=self._key.arn,
            kms_data_key_reuse_period_seconds=300,
            message_retention_seconds=retention_seconds,
            visibility_timeout_seconds=visibility_timeout_seconds,
            redrive_policy=redrive_policy,
            opts=opts,
        )
