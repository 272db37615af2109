"""The orders and idempotency tables, the cursor signing key's secret, and the customer-managed
key that encrypts them."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from orders_manifest.tables import IDEMPOTENCY_TABLE, ORDERS_TABLE, TableDefinition

from . import policies
from .settings import StackSettings


def key_policy(
    account_id: pulumi.Input[str], *service_statements: policies.Statement
) -> pulumi.Output[str]:
    """A key policy: the account administers the key through IAM; services may be let in."""
    root = pulumi.Output.concat("arn:aws:iam::", account_id, ":root")
    return policies.document(
        policies.statement(
            "AccountAdministersThroughIam", ["kms:*"], ["*"], principal={"AWS": root}
        ),
        *service_statements,
    )


def service_may_use_key(
    service: str, account_id: pulumi.Input[str], sid: str
) -> policies.Statement:
    """Let an AWS service encrypt for us, only on behalf of this account."""
    return policies.statement(
        sid,
        ["kms:Decrypt", "kms:GenerateDataKey"],
        ["*"],
        principal={"Service": service},
        condition={"StringEquals": {"aws:SourceAccount": account_id}},
    )


class Data(pulumi.ComponentResource):
    """DynamoDB tables shaped by the shared table definition, encrypted with one data key."""

    key: aws.kms.Key
    orders_table: aws.dynamodb.Table
    idempotency_table: aws.dynamodb.Table
    cursor_key: aws.secretsmanager.Secret
    cursor_key_version: aws.secretsmanager.SecretVersion

    def __init__(
        self,
        name: str,
        settings: StackSettings,
        account_id: pulumi.Input[str],
        cursor_key: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("orders:stack:Data", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # In prod Pulumi itself refuses to delete the data or its key (`pulumi destroy` included).
        kept = pulumi.ResourceOptions(parent=self, protect=settings.deletion_protection)
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"Orders data ({settings.stack}): tables and queues",
            enable_key_rotation=True,
            deletion_window_in_days=30 if settings.deletion_protection else 7,
            # EventBridge writes undeliverable events to the encrypted dead-letter queues.
            policy=key_policy(
                account_id,
                service_may_use_key("events.amazonaws.com", account_id, "EventBridgeDeadLetters"),
            ),
            opts=kept,
        )
        aws.kms.Alias(
            f"{name}-key-alias",
            name=f"alias/{settings.resource_name('data')}",
            target_key_id=self.key.key_id,
            opts=child,
        )
        self.orders_table = self._table(f"{name}-orders", ORDERS_TABLE, settings, kept)
        self.idempotency_table = self._table(
            f"{name}-idempotency", IDEMPOTENCY_TABLE, settings, kept
        )
        # The HMAC key of list cursors. Only list_orders may read it (functions.Grants); its
        # value comes from the stack's `cursorKey` secret, so rotating it is a `pulumi up`.
        self.cursor_key = aws.secretsmanager.Secret(
            f"{name}-cursor-key",
            name=settings.resource_name("cursor-key"),
            description="Signs the orders list cursors (HMAC-SHA256); read by list_orders only",
            kms_key_id=self.key.arn,
            recovery_window_in_days=30 if settings.deletion_protection else 7,
            opts=kept,
        )
        # A new value is a new version, with a new id: list_orders pins that id, so changing
        # the key changes the function's configuration and every execution environment moves
        # to the new key at once.
        self.cursor_key_version = aws.secretsmanager.SecretVersion(
            f"{name}-cursor-key-value",
            secret_id=self.cursor_key.id,
            secret_string=cursor_key,
            opts=child,
        )
        self.register_outputs(
            {
                "orders_table": self.orders_table.name,
                "idempotency_table": self.idempotency_table.name,
            }
        )

    def _table(
        self,
        name: str,
        definition: TableDefinition,
        settings: StackSettings,
        opts: pulumi.ResourceOptions,
    ) -> aws.dynamodb.Table:
        return aws.dynamodb.Table(
            name,
            billing_mode=definition.billing_mode,
            hash_key=definition.partition_key,
            range_key=definition.sort_key,
            attributes=[
                aws.dynamodb.TableAttributeArgs(name=attribute, type="S")
                for attribute in definition.key_attributes()
            ],
            global_secondary_indexes=[
                aws.dynamodb.TableGlobalSecondaryIndexArgs(
                    name=index.name,
                    key_schemas=[
                        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                            attribute_name=attribute, key_type=key_type
                        )
                        for attribute, key_type in (
                            (index.partition_key, "HASH"),
                            (index.sort_key, "RANGE"),
                        )
                    ],
                    projection_type=index.projection,
                )
                for index in definition.indexes
            ],
            ttl=aws.dynamodb.TableTtlArgs(attribute_name=definition.ttl_attribute, enabled=True),
            stream_enabled=definition.stream_view_type is not None,
            stream_view_type=definition.stream_view_type,
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                enabled=True, kms_key_arn=self.key.arn
            ),
            deletion_protection_enabled=settings.deletion_protection,
            opts=opts,
        )
