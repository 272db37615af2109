"""The payment deadline: an EventBridge rule on OrderPlaced, an Express starter workflow that
names the execution, and a Standard workflow per order (see workflow_definitions.py).

Roles, each allowed only what its workflow does: the rule's role may start the starter; the
starter's may start the deadline workflow and send to the payment-deadline DLQ; the deadline
workflow's may invoke the expiry function's live alias and send to that DLQ (with the data
key, through SQS only, as the queue is encrypted). Both state machines also get the log
delivery calls Step Functions needs to write their logs, which IAM checks only on ``*``.
Both log at ERROR with execution data to their own log groups.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from orders_manifest.events import ORDER_PLACED, ORDERS_SOURCE

from . import policies
from .data import Data
from .events import Events
from .functions import Functions
from .settings import StackSettings
from .workflow_definitions import deadline_definition, starter_definition

DLQ_PATH = "payment-deadline"
# Only placements with a deadline start a run: older events (no payment_due) match nothing.
ORDER_PLACED_PATTERN = {
    "source": [ORDERS_SOURCE],
    "detail-type": [ORDER_PLACED],
    "detail": {"order": {"payment_due": [{"exists": True}]}},
}


class PaymentDeadline(pulumi.ComponentResource):
    """The rule, the two state machines, their roles and log groups."""

    state_machine: aws.sfn.StateMachine
    starter: aws.sfn.StateMachine
    rule: aws.cloudwatch.EventRule
    roles: dict[str, aws.iam.Role]

    def __init__(
        self,
        name: str,
        settings: StackSettings,
        *,
        data: Data,
        events: Events,
        functions: Functions,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("orders:stack:PaymentDeadline", name, None, opts)
        self._child = pulumi.ResourceOptions(parent=self)
        self._settings = settings
        self._data = data
        dlq = events.dead_letter_queues[DLQ_PATH]
        expiry = functions.aliases["expiry"]
        self.roles = {}

        deadline_role = self._role(
            "deadline",
            "Runs the payment deadline workflow: invokes the expiry function, sends to its DLQ",
            policies.statement("ExpiryFunction", ["lambda:InvokeFunction"], [expiry.arn]),
            *self._to_dlq(dlq),
        )
        self.state_machine = self._state_machine(
            "deadline",
            "STANDARD",
            deadline_role,
            pulumi.Output.all(expiry.arn, dlq.url).apply(
                lambda args: json.dumps(deadline_definition(args[0], args[1]))
            ),
        )
        starter_role = self._role(
            "starter",
            "Starts one payment deadline execution per order and sends failures to its DLQ",
            policies.statement(
                "StartDeadline", ["states:StartExecution"], [self.state_machine.arn]
            ),
            *self._to_dlq(dlq),
        )
        self.starter = self._state_machine(
            "starter",
            "EXPRESS",
            starter_role,
            pulumi.Output.all(self.state_machine.arn, dlq.url).apply(
                lambda args: json.dumps(starter_definition(args[0], args[1]))
            ),
        )

        self.rule = aws.cloudwatch.EventRule(
            f"{name}-order-placed",
            description="Each placed order with a payment deadline starts its deadline workflow",
            event_bus_name=events.bus.name,
            event_pattern=json.dumps(ORDER_PLACED_PATTERN),
            opts=self._child,
        )
        rule_role = self._role(
            "rule",
            "Lets the OrderPlaced rule start the deadline starter workflow, only",
            policies.statement("StartStarter", ["states:StartExecution"], [self.starter.arn]),
            service="events.amazonaws.com",
        )
        aws.cloudwatch.EventTarget(
            f"{name}-order-placed-target",
            rule=self.rule.name,
            event_bus_name=events.bus.name,
            arn=self.starter.arn,
            role_arn=rule_role.arn,
            dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(arn=dlq.arn),
            retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
                maximum_retry_attempts=settings.event_maximum_retry_attempts,
                maximum_event_age_in_seconds=24 * 60 * 60,
            ),
            opts=self._child,
        )
        aws.sqs.QueuePolicy(
            f"{name}-dlq-policy",
            queue_url=dlq.url,
            policy=policies.rule_may_deliver_to(dlq.arn, self.rule.arn),
            opts=self._child,
        )
        self.register_outputs({"state_machine": self.state_machine.arn})

    def _to_dlq(self, dlq: aws.sqs.Queue) -> list[policies.Statement]:
        region = self._settings.region
        return [
            policies.statement("FailuresToDeadLetterQueue", ["sqs:SendMessage"], [dlq.arn]),
            policies.statement(
                "DataKeyForTheQueue",
                ["kms:Decrypt", "kms:GenerateDataKey"],
                [self._data.key.arn],
                condition={"StringEquals": {"kms:ViaService": [f"sqs.{region}.amazonaws.com"]}},
            ),
        ]

    def _role(
        self,
        short: str,
        description: str,
        *grants: policies.Statement,
        service: str = "states.amazonaws.com",
    ) -> aws.iam.Role:
        """A role ``service`` assumes, allowed ``grants``; a state machine's also gets the log
        delivery calls Step Functions makes to write its logs."""
        name = self._settings.resource_name(f"payment-deadline-{short}")
        role = aws.iam.Role(
            f"{name}-role",
            description=description,
            assume_role_policy=policies.service_trust(service),
            opts=self._child,
        )
        if service == "states.amazonaws.com":
            grants = (
                *grants,
                policies.statement("LogDelivery", policies.LOG_DELIVERY_ACTIONS, ["*"]),
            )
        aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=policies.document(*grants),
            opts=self._child,
        )
        self.roles[short] = role
        return role

    def _state_machine(
        self, short: str, kind: str, role: aws.iam.Role, definition: pulumi.Output[str]
    ) -> aws.sfn.StateMachine:
        settings = self._settings
        name = settings.resource_name(f"payment-deadline-{short}")
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/vendedlogs/states/{name}",
            retention_in_days=settings.log_retention_days,
            opts=self._child,
        )
        return aws.sfn.StateMachine(
            name,
            name=name,
            type=kind,
            role_arn=role.arn,
            definition=definition,
            logging_configuration=aws.sfn.StateMachineLoggingConfigurationArgs(
                level="ERROR",
                include_execution_data=True,
                log_destination=log_group.arn.apply(lambda arn: f"{arn}:*"),
            ),
            opts=self._child,
        )
