"""Feature flags in AppConfig: the hosted document is checked by the manifest's flags rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from orders_manifest.flags import (
    CONTEXT_VALUES,
    DISCOUNT_FLAGS,
    TIME_KEYS,
    check_discount_flags,
    default_flags_document,
)

from . import policies
from .settings import StackSettings

# The alarms (Monitoring's names) that stop a flags rollout and roll it back: flags that fail
# to load or evaluate, and API requests failing.
ROLLBACK_ALARMS = ("flag-fetch-failures", "api-5xx-rate")


def flags_json_schema() -> dict[str, Any]:
    """The flags document's shape as JSON Schema draft 4, for AppConfig's own validator.

    Built from the runtime's flag names and rule context, so a document changed outside this
    program (the console, the CLI) is refused by AppConfig before any function sees it. The
    runtime check stays the authority (it also refuses a percent with more than 2 decimals,
    which draft 4 cannot say exactly of floating-point numbers).
    """
    percent = {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 100}
    discount = {
        "oneOf": [
            {"enum": [False]},
            percent,
            {
                "type": "object",
                "required": ["enabled", "percent"],
                "additionalProperties": False,
                "properties": {"enabled": {"type": "boolean"}, "percent": percent},
            },
        ]
    }

    def one_of(values: frozenset[str]) -> dict[str, Any]:
        listed = {"enum": sorted(values)}
        return {"anyOf": [listed, {"type": "array", "items": listed}]}

    condition = {
        "type": "object",
        "required": ["action", "key", "value"],
        "oneOf": [
            {"properties": {"key": {"enum": sorted(TIME_KEYS)}}},
            *(
                {"properties": {"key": {"enum": [key]}, "value": one_of(values)}}
                for key, values in sorted(CONTEXT_VALUES.items())
            ),
        ],
    }
    flag = {
        "type": "object",
        "required": ["default", "boolean_type"],
        "properties": {
            "boolean_type": {"enum": [False]},
            "default": discount,
            "rules": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "required": ["when_match", "conditions"],
                    "properties": {
                        "when_match": discount,
                        "conditions": {"type": "array", "minItems": 1, "items": condition},
                    },
                },
            },
        },
    }
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "properties": dict.fromkeys(sorted(DISCOUNT_FLAGS), flag),
        # Other features' flags are left to Powertools' own schema.
        "additionalProperties": {"type": "object"},
    }


def flags_document(path: Path | None) -> dict[str, Any]:
    """The document to host: the stack's file when it names one, else the shipped default.

    Raises ``InvalidFlagsDocument`` before anything is deployed when the runtime would reject
    its discount flags (the runtime also runs Powertools' schema over every flag; a test keeps
    the two checks agreeing on the discount flags).
    """
    document: object = json.loads(path.read_text("utf-8")) if path else default_flags_document()
    return check_discount_flags(document)


class FlagsConfig(pulumi.ComponentResource):
    """AppConfig application, environment, profile, hosted document, strategy and deployment."""

    application: aws.appconfig.Application
    environment: aws.appconfig.Environment
    profile: aws.appconfig.ConfigurationProfile
    configuration_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: StackSettings,
        account_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("orders:stack:Config", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.application = aws.appconfig.Application(
            f"{name}-application", name=settings.resource_name("flags"), opts=child
        )
        self.environment = aws.appconfig.Environment(
            f"{name}-environment",
            application_id=self.application.id,
            name=settings.stack,
            monitors=self._rollback_monitors(name, settings, account_id, child),
            opts=child,
        )
        self.profile = aws.appconfig.ConfigurationProfile(
            f"{name}-profile",
            application_id=self.application.id,
            name="feature-flags",
            location_uri="hosted",
            type="AWS.Freeform",
            validators=[
                aws.appconfig.ConfigurationProfileValidatorArgs(
                    type="JSON_SCHEMA", content=json.dumps(flags_json_schema(), sort_keys=True)
                )
            ],
            opts=child,
        )
        version = aws.appconfig.HostedConfigurationVersion(
            f"{name}-document",
            application_id=self.application.id,
            configuration_profile_id=self.profile.configuration_profile_id,
            content_type="application/json",
            content=json.dumps(flags_document(settings.flags_document), sort_keys=True),
            description="Discount flags, checked by orders_manifest.flags before upload",
            opts=child,
        )
        strategy = aws.appconfig.DeploymentStrategy(
            f"{name}-strategy",
            name=settings.resource_name("flags-rollout"),
            deployment_duration_in_minutes=settings.flags_rollout_minutes,
            final_bake_time_in_minutes=settings.flags_rollout_minutes,
            growth_factor=100 if settings.flags_rollout_minutes == 0 else 20,
            growth_type="LINEAR",
            replicate_to="NONE",
            opts=child,
        )
        aws.appconfig.Deployment(
            f"{name}-deployment",
            application_id=self.application.id,
            environment_id=self.environment.environment_id,
            configuration_profile_id=self.profile.configuration_profile_id,
            configuration_version=version.version_number.apply(str),
            deployment_strategy_id=strategy.id,
            opts=child,
        )
        self.configuration_arn = pulumi.Output.concat(
            "arn:aws:appconfig:",
            settings.region,
            ":",
            account_id,
            ":application/",
            self.application.id,
            "/environment/",
            self.environment.environment_id,
            "/configuration/",
            self.profile.configuration_profile_id,
        )
        self.register_outputs({"application": self.application.name})

    @staticmethod
    def _rollback_monitors(
        name: str,
        settings: StackSettings,
        account_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions,
    ) -> list[aws.appconfig.EnvironmentMonitorArgs] | None:
        """Alarms that roll a gradual flags deployment back; none when it is all at once."""
        if settings.flags_rollout_minutes == 0:
            return None
        # By name: Monitoring declares these alarms later, with these very names.
        alarm_arns = [
            pulumi.Output.concat(
                "arn:aws:cloudwatch:",
                settings.region,
                ":",
                account_id,
                ":alarm:",
                settings.resource_name(alarm),
            )
            for alarm in ROLLBACK_ALARMS
        ]
        role = aws.iam.Role(
            f"{name}-rollback-alarms",
            description="AppConfig reads the alarms that roll a flags deployment back",
            assume_role_policy=policies.service_trust("appconfig.amazonaws.com"),
            opts=opts,
        )
        aws.iam.RolePolicy(
            f"{name}-rollback-alarms-policy",
            role=role.id,
            policy=policies.document(
                policies.statement("RollbackAlarms", ["cloudwatch:DescribeAlarms"], alarm_arns)
            ),
            opts=opts,
        )
        return [
            aws.appconfig.EnvironmentMonitorArgs(alarm_arn=arn, alarm_role_arn=role.arn)
            for arn in alarm_arns
        ]
