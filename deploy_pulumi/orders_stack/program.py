"""The whole stack: every component, wired in dependency order, and the stack's outputs."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .api import Api
from .config import FlagsConfig
from .data import Data
from .environment import cursor_key_environment, function_environment, publisher_environment
from .events import Events
from .functions import FUNCTIONS, SIGNS_CURSORS, Artifact, Functions
from .monitoring import Monitoring
from .protection import Protection
from .settings import StackSettings, check_concurrency, load_settings
from .tagging import tag_everything
from .workflow import PaymentDeadline


@dataclass(frozen=True, slots=True)
class OrdersStack:
    settings: StackSettings
    data: Data
    events: Events
    flags: FlagsConfig
    functions: Functions
    api: Api
    protection: Protection
    deadline: PaymentDeadline
    monitoring: Monitoring


def define_stack(settings: StackSettings | None = None) -> OrdersStack:
    """Declare every resource of the current stack and export its outputs."""
    settings = settings or load_settings()
    check_concurrency(settings, frozenset(spec.name for spec in FUNCTIONS if spec.sizing == "api"))
    tag_everything(settings.tags)
    artifact = Artifact.read(settings.artifact_path)
    account_id = aws.get_caller_identity_output().account_id
    cursor_key = pulumi.Config().require_secret("cursorKey")

    data = Data("data", settings, account_id, cursor_key)
    events = Events("events", settings, data.key)
    flags = FlagsConfig("config", settings, account_id)
    common = function_environment(
        orders_table=data.orders_table.name,
        idempotency_table=data.idempotency_table.name,
        appconfig_application=flags.application.name,
        appconfig_environment=flags.environment.name,
        appconfig_profile=flags.profile.name,
        log_level=settings.log_level,
    )

    def environment(function: str) -> pulumi.Output[dict[str, str]]:
        if function == "publisher":
            return publisher_environment(common, events.bus.name)
        if function in SIGNS_CURSORS:
            return cursor_key_environment(
                common, data.cursor_key.arn, data.cursor_key_version.version_id
            )
        return common

    functions = Functions(
        "functions",
        settings,
        artifact=artifact,
        environments={spec.name: environment(spec.name) for spec in FUNCTIONS},
        data=data,
        events=events,
        flags=flags,
    )
    api = Api("api", settings, functions)
    protection = Protection("protection", settings, api.stage.arn)
    deadline = PaymentDeadline(
        "payment-deadline", settings, data=data, events=events, functions=functions
    )
    monitoring = Monitoring(
        "monitoring",
        settings,
        account_id=account_id,
        functions=functions,
        data=data,
        events=events,
        deadline=deadline,
        api={"ApiName": api.rest_api.name, "Stage": api.stage.stage_name},
    )

    pulumi.export("api_url", api.url)
    pulumi.export("orders_table", data.orders_table.name)
    pulumi.export("idempotency_table", data.idempotency_table.name)
    pulumi.export("payments_queue", events.payments_queue.name)
    pulumi.export("event_bus", events.bus.name)
    pulumi.export("user_pool_id", api.user_pool.id)
    pulumi.export("user_pool_client_id", api.client.id)
    pulumi.export("alarm_topic", monitoring.topic.arn)
    pulumi.export("payment_deadline_state_machine", deadline.state_machine.arn)
    return OrdersStack(
        settings, data, events, flags, functions, api, protection, deadline, monitoring
    )
