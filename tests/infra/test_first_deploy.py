"""A first deploy in a fresh account: the stack that owns the account's API Gateway logging
role sets it before the stage asks for access logs; the others leave the account alone."""

from __future__ import annotations

import json
from pathlib import Path

from deploy_pulumi.orders_stack.api import PUSH_TO_CLOUDWATCH_LOGS
from deploy_pulumi.orders_stack.settings import PROJECT

from .conftest import Deployment, run_program, stack_config

ACCOUNT = "aws:apigateway/account:Account"


def test_the_owning_stack_names_a_role_api_gateway_may_assume_to_write_logs(
    deployment: Deployment,
) -> None:
    assert deployment.setting("api")["manageAccountLoggingRole"] is True
    account = deployment.one(ACCOUNT).state
    role = deployment.by_arn(account["cloudwatchRoleArn"])
    trust = json.loads(role.state["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "apigateway.amazonaws.com"}
    (attached,) = deployment.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attached.state == {**attached.state, "role": role.state["name"]}
    assert attached.state["policyArn"] == PUSH_TO_CLOUDWATCH_LOGS


def test_the_stage_waits_for_the_account_setting(deployment: Deployment) -> None:
    stage = deployment.one("aws:apigateway/stage:Stage")
    assert deployment.one(ACCOUNT).urn in stage.dependencies


def test_a_stack_that_does_not_own_the_role_leaves_the_account_alone(code_zip: Path) -> None:
    api = {**stack_config("staging")[f"{PROJECT}:api"], "manageAccountLoggingRole": False}
    deployment = run_program("staging", code_zip, {f"{PROJECT}:api": api})
    assert deployment.of_type(ACCOUNT) == []
    assert deployment.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []
    assert deployment.built.api.account is None
