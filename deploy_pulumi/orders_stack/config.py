"""Feature flags in AppConfig: the hosted document is validated by the runtime's own schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from orders_adapters.appconfig import default_flags_document, validate_flags_document

from .settings import StackSettings


def flags_document(path: Path | None) -> dict[str, Any]:
    """The document to host: the stack's file when it names one, else the shipped default.

    Raises ``InvalidFlagsDocument`` before anything is deployed when the runtime would reject it.
    """
    document: object = json.loads(path.read_text("utf-8")) if path else default_flags_document()
    return validate_flags_document(document)


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
            opts=child,
        )
        self.profile = aws.appconfig.ConfigurationProfile(
            f"{name}-profile",
            application_id=self.application.id,
            name="feature-flags",
            location_uri="hosted",
            type="AWS.Freeform",
            opts=child,
        )
        version = aws.appconfig.HostedConfigurationVersion(
            f"{name}-document",
            application_id=self.application.id,
            configuration_profile_id=self.profile.configuration_profile_id,
            content_type="application/json",
            content=json.dumps(flags_document(settings.flags_document), sort_keys=True),
            description="Discount flags, checked by orders_adapters.appconfig before upload",
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
