"""One Lambda function per operation, consumer and publisher, each with its own role.

The functions and their abstract grants are the service manifest's
(``orders_manifest.operations``); :class:`Grants` turns each grant into the statements that
name exactly the calls the code makes and the resources they touch. The triggers of the
asynchronous functions (queue, rule, stream) are wired here too, each with the dead-letter
queue its failures end in.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from deploy_pulumi.artifact import ARCHITECTURE
from orders_manifest import operations
from orders_manifest.events import STREAM_FILTER_PATTERN
from orders_manifest.operations import Grant, Kind
from orders_manifest.tables import CUSTOMER_INDEX, CUSTOMER_STATUS_INDEX

from . import policies
from .config import FlagsConfig
from .data import Data
from .events import Events
from .settings import FunctionSizing, StackSettings

Sizing = Kind
# The alias every caller invokes: API Gateway, the event sources and the EventBridge target.
# It follows the version each deploy publishes, and holds the provisioned concurrency.
LIVE = "live"
Statement = policies.Statement


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """A function: its short name, its handler ("module.function"), its sizing class, its
    grants and the dead-letter queue it sends its failures to."""

    name: str
    handler: str
    sizing: Sizing
    grants: tuple[Grant, ...] = ()
    dead_letter_queue: str | None = None

    @classmethod
    def of(cls, function: operations.Function) -> FunctionSpec:
        module, _, attribute = function.entrypoint.partition(":")
        return cls(
            function.name,
            f"{module}.{attribute}",
            function.kind,
            function.grants,
            function.dead_letter_queue,
        )


FUNCTIONS: tuple[FunctionSpec, ...] = tuple(FunctionSpec.of(f) for f in operations.functions())
# The functions that sign or check list cursors: the only ones told the key's secret and
# allowed to read it. Every other function signs no cursor (orders_lambda.container).
SIGNS_CURSORS: frozenset[str] = frozenset(
    spec.name for spec in FUNCTIONS if Grant.CURSOR_SECRET in spec.grants
)
# Through which services a grant's calls use the data key (kms:ViaService), beyond Lambda's
# for the encrypted environment: the tables, queues and secret the function touches.
_KEY_USED_VIA: Mapping[Grant, str] = {
    Grant.READ_ORDERS: "dynamodb",
    Grant.WRITE_ORDERS: "dynamodb",
    Grant.DELETE_ORDERS: "dynamodb",
    Grant.QUERY_ORDERS: "dynamodb",
    Grant.IDEMPOTENCY_RECORDS: "dynamodb",
    Grant.READ_OUTBOX_STREAM: "dynamodb",
    Grant.CURSOR_SECRET: "secretsmanager",
    Grant.CONSUME_PAYMENTS: "sqs",
    Grant.DEAD_LETTERS: "sqs",
}


def key_used_via(spec: FunctionSpec) -> tuple[str, ...]:
    """The services through which ``spec``'s calls use the data key, Lambda first."""
    return tuple(
        dict.fromkeys(["lambda", *(_KEY_USED_VIA[g] for g in spec.grants if g in _KEY_USED_VIA)])
    )


@dataclass(frozen=True, slots=True)
class Artifact:
    """The Lambda code zip and its SHA-256 (base64), so unchanged code shows no diff."""

    path: Path
    sha256: str

    @classmethod
    def read(cls, path: Path) -> Artifact:
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: build it with `nox -s package` first")
        digest = hashlib.sha256(path.read_bytes()).digest()
        return cls(path, base64.b64encode(digest).decode("ascii"))


class Grants:
    """The statements each function's role gets, from its abstract grants."""

    def __init__(self, data: Data, events: Events, flags: FlagsConfig, region: str) -> None:
        self._region = region
        self._data = data
        self._events = events
        self._flags = flags
        table = data.orders_table.arn
        self._orders = table
        # Listing reads the customer indexes only; the expiry index is the local scheduler's.
        self._indexes = [
            pulumi.Output.concat(table, "/index/", index.name)
            for index in (CUSTOMER_INDEX, CUSTOMER_STATUS_INDEX)
        ]

    def _orders_table(self, grants: tuple[Grant, ...]) -> list[Statement]:
        actions = [
            f"dynamodb:{action}"
            for grant, action in (
                (Grant.READ_ORDERS, "GetItem"),
                (Grant.WRITE_ORDERS, "PutItem"),
                (Grant.DELETE_ORDERS, "DeleteItem"),
            )
            if grant in grants
        ]
        return [policies.statement("OrdersTable", actions, [self._orders])] if actions else []

    def _idempotency(self) -> Statement:
        actions = ("GetItem", "PutItem", "UpdateItem", "DeleteItem")
        return policies.statement(
            "IdempotencyRecords",
            [f"dynamodb:{a}" for a in actions],
            [self._data.idempotency_table.arn],
        )

    def _flags_document(self) -> Statement:
        return policies.statement(
            "FeatureFlags",
            ["appconfig:StartConfigurationSession", "appconfig:GetLatestConfiguration"],
            [self._flags.configuration_arn],
        )

    def _send_to(self, queue: str | None) -> Statement:
        if queue is None:
            raise ValueError("a function granted dead letters names its dead-letter queue")
        return policies.statement(
            "FailuresToDeadLetterQueue",
            ["sqs:SendMessage"],
            [self._events.dead_letter_queues[queue].arn],
        )

    def _data_key(self, spec: FunctionSpec, *, encrypt: bool) -> Statement:
        # Decrypt: the environment, tables, queues and secret; GenerateDataKey: writes to
        # encrypted queues. Only through the services this function calls, never directly.
        actions = ["kms:Decrypt", *(["kms:GenerateDataKey"] if encrypt else [])]
        via = [f"{service}.{self._region}.amazonaws.com" for service in key_used_via(spec)]
        return policies.statement(
            "DataKey",
            actions,
            [self._data.key.arn],
            condition={"StringEquals": {"kms:ViaService": via}},
        )

    def _cursor_key(self) -> Statement:
        return policies.statement(
            "CursorSigningKey", ["secretsmanager:GetSecretValue"], [self._data.cursor_key.arn]
        )

    def _payments_queue(self) -> Statement:
        return policies.statement(
            "PaymentsQueue",
            [
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes",
            ],
            [self._events.payments_queue.arn],
        )

    def _outbox_stream(self) -> list[Statement]:
        return [
            policies.statement(
                "OutboxStream",
                ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                [self._data.orders_table.stream_arn],
            ),
            # ListStreams takes no stream ARN: IAM only honours it on "*".
            policies.statement("ListTableStreams", ["dynamodb:ListStreams"], ["*"]),
        ]

    def for_function(self, spec: FunctionSpec) -> list[Statement]:
        """The statements for ``spec``'s grants, then the data key's."""
        grants = spec.grants
        statements = self._orders_table(grants)
        if Grant.QUERY_ORDERS in grants:
            statements.append(
                policies.statement("CustomerIndexes", ["dynamodb:Query"], self._indexes)
            )
        if Grant.IDEMPOTENCY_RECORDS in grants:
            statements.append(self._idempotency())
        if Grant.FEATURE_FLAGS in grants:
            statements.append(self._flags_document())
        if Grant.CURSOR_SECRET in grants:
            statements.append(self._cursor_key())
        if Grant.CONSUME_PAYMENTS in grants:
            statements.append(self._payments_queue())
        if Grant.READ_OUTBOX_STREAM in grants:
            statements += self._outbox_stream()
        if Grant.PUBLISH_EVENTS in grants:
            statements.append(
                policies.statement("OrderEvents", ["events:PutEvents"], [self._events.bus.arn])
            )
        # Sending to an encrypted queue is what needs a data key generated.
        sends = Grant.DEAD_LETTERS in grants
        if sends:
            statements.append(self._send_to(spec.dead_letter_queue))
        return [*statements, self._data_key(spec, encrypt=sends)]


class Functions(pulumi.ComponentResource):
    """Every function of the service with its role, log group, live alias and triggers."""

    functions: dict[str, aws.lambda_.Function]
    aliases: dict[str, aws.lambda_.Alias]
    roles: dict[str, aws.iam.Role]
    log_groups: dict[str, aws.cloudwatch.LogGroup]

    def __init__(
        self,
        name: str,
        settings: StackSettings,
        *,
        artifact: Artifact,
        environments: Mapping[str, pulumi.Input[dict[str, str]]],
        data: Data,
        events: Events,
        flags: FlagsConfig,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("orders:stack:Functions", name, None, opts)
        self._child = pulumi.ResourceOptions(parent=self)
        self._settings = settings
        self._artifact = artifact
        self._environments = environments
        self._key = data.key
        grants = Grants(data, events, flags, settings.region)
        self.functions, self.aliases, self.roles, self.log_groups = {}, {}, {}, {}
        for spec in FUNCTIONS:
            self._function(spec, grants.for_function(spec))
        self._triggers(data, events)
        self.register_outputs({})

    def _sizing(self, spec: FunctionSpec) -> FunctionSizing:
        settings = self._settings
        return {
            "api": settings.api,
            "consumer": settings.consumer,
            "publisher": settings.publisher,
        }[spec.sizing]

    def _function(self, spec: FunctionSpec, grants: list[Statement]) -> None:
        settings = self._settings
        sizing = self._sizing(spec)
        function_name = settings.resource_name(spec.name.replace("_", "-"))
        log_group = aws.cloudwatch.LogGroup(
            f"{function_name}-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=settings.log_retention_days,
            opts=self._child,
        )
        role = aws.iam.Role(
            f"{function_name}-role",
            description=f"Runs {spec.handler} and nothing else",
            assume_role_policy=policies.service_trust("lambda.amazonaws.com"),
            opts=self._child,
        )
        policy = aws.iam.RolePolicy(
            f"{function_name}-policy",
            role=role.id,
            policy=policies.document(
                policies.statement(
                    "OwnLogGroup",
                    ["logs:CreateLogStream", "logs:PutLogEvents"],
                    [pulumi.Output.concat(log_group.arn, ":log-stream:*")],
                ),
                policies.statement(
                    "Tracing", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]
                ),
                *grants,
            ),
            opts=self._child,
        )
        self.functions[spec.name] = aws.lambda_.Function(
            function_name,
            name=function_name,
            role=role.arn,
            runtime=settings.runtime,
            architectures=[ARCHITECTURE],
            handler=spec.handler,
            code=pulumi.FileArchive(str(self._artifact.path)),
            source_code_hash=self._artifact.sha256,
            memory_size=sizing.memory_mb,
            timeout=sizing.timeout_seconds,
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables=self._environments[spec.name]
            ),
            kms_key_arn=self._key.arn,
            # Every deploy that changes the code or configuration publishes a version.
            publish=True,
            reserved_concurrent_executions=settings.concurrency.reserved.get(spec.name),
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON", log_group=log_group.name
            ),
            # The role's policy must exist before the first cold start.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        self.roles[spec.name] = role
        self.log_groups[spec.name] = log_group
        self.aliases[spec.name] = self._live_alias(spec, function_name)

    def _live_alias(self, spec: FunctionSpec, function_name: str) -> aws.lambda_.Alias:
        function = self.functions[spec.name]
        alias = aws.lambda_.Alias(
            f"{function_name}-{LIVE}",
            name=LIVE,
            description="What every caller invokes: the version the last deploy published",
            function_name=function.name,
            function_version=function.version,
            opts=self._child,
        )
        provisioned = self._settings.concurrency.provisioned.get(spec.name)
        if provisioned:
            aws.lambda_.ProvisionedConcurrencyConfig(
                f"{function_name}-provisioned",
                function_name=function.name,
                qualifier=alias.name,
                provisioned_concurrent_executions=provisioned,
                opts=self._child,
            )
        return alias

    def _triggers(self, data: Data, events: Events) -> None:
        settings = self._settings
        aws.lambda_.EventSourceMapping(
            "payments-queue-trigger",
            event_source_arn=events.payments_queue.arn,
            function_name=self.aliases["payments"].arn,
            batch_size=10,
            maximum_batching_window_in_seconds=1,
            function_response_types=["ReportBatchItemFailures"],
            # At most this many batches at once, below the function's reserved concurrency,
            # so the poller is never throttled into returning messages to the queue.
            scaling_config=aws.lambda_.EventSourceMappingScalingConfigArgs(
                maximum_concurrency=settings.concurrency.payments_maximum_concurrency
            ),
            opts=self._child,
        )
        aws.lambda_.EventSourceMapping(
            "outbox-stream-trigger",
            event_source_arn=data.orders_table.stream_arn,
            function_name=self.aliases["publisher"].arn,
            starting_position="TRIM_HORIZON",
            batch_size=100,
            bisect_batch_on_function_error=True,
            maximum_retry_attempts=settings.stream_maximum_retry_attempts,
            function_response_types=["ReportBatchItemFailures"],
            destination_config=aws.lambda_.EventSourceMappingDestinationConfigArgs(
                on_failure=aws.lambda_.EventSourceMappingDestinationConfigOnFailureArgs(
                    destination_arn=events.dead_letter_queues["outbox-stream"].arn
                )
            ),
            # Only new outbox items are events: the publisher's own filter, applied by Lambda.
            filter_criteria=aws.lambda_.EventSourceMappingFilterCriteriaArgs(
                filters=[
                    aws.lambda_.EventSourceMappingFilterCriteriaFilterArgs(
                        pattern=json.dumps(STREAM_FILTER_PATTERN, sort_keys=True)
                    )
                ]
            ),
            opts=self._child,
        )
        shipments = self.functions["shipments"]
        shipments_live = self.aliases["shipments"]
        shipments_dlq = events.dead_letter_queues["shipments"]
        aws.lambda_.Permission(
            "shipments-rule-invokes",
            action="lambda:InvokeFunction",
            function=shipments.name,
            qualifier=shipments_live.name,
            principal="events.amazonaws.com",
            source_arn=events.shipments_rule.arn,
            opts=self._child,
        )
        aws.cloudwatch.EventTarget(
            "shipments-rule-target",
            rule=events.shipments_rule.name,
            event_bus_name=events.bus.name,
            arn=shipments_live.arn,
            dead_letter_config=aws.cloudwatch.EventTargetDeadLetterConfigArgs(
                arn=shipments_dlq.arn
            ),
            retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
                maximum_retry_attempts=settings.event_maximum_retry_attempts,
                maximum_event_age_in_seconds=24 * 60 * 60,
            ),
            opts=self._child,
        )
        # EventBridge invokes asynchronously: what the function itself fails on lands here too.
        aws.lambda_.FunctionEventInvokeConfig(
            "shipments-async-failures",
            function_name=shipments.name,
            qualifier=shipments_live.name,
            maximum_retry_attempts=2,
            destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
                on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(
                    destination=shipments_dlq.arn
                )
            ),
            opts=self._child,
        )
