"""The cursor signing key lives in Secrets Manager, and only the function that signs cursors
is told where it is or may read it."""

from __future__ import annotations

from typing import Any

from deploy_pulumi.orders_stack.functions import FUNCTIONS, SIGNS_CURSORS

from orders_lambda.settings import env_name

from .conftest import CURSOR_KEY, Declared, Deployment

FUNCTION = "aws:lambda/function:Function"
SECRET = "aws:secretsmanager/secret:Secret"  # noqa: S105 - a resource type


def _policy_of(deployment: Deployment, function: Declared) -> dict[str, Any]:
    return deployment.role_policy(function)


def _short_name(function: Declared) -> str:
    return next(spec.name for spec in FUNCTIONS if spec.handler == function.state["handler"])


def test_the_key_is_a_kms_encrypted_secret_holding_the_stacks_cursor_key(
    deployment: Deployment,
) -> None:
    secret = deployment.one(SECRET, "cursor-key").state
    assert secret["kmsKeyId"] == deployment.one("aws:kms/key:Key", "data-key").state["arn"]
    value = deployment.one("aws:secretsmanager/secretVersion:SecretVersion").state
    assert value["secretId"] == f"{deployment.one(SECRET, 'cursor-key').name}-id"
    assert value["secretString"] == CURSOR_KEY


def test_no_function_has_the_key_in_its_environment(deployment: Deployment) -> None:
    for function in deployment.of_type(FUNCTION):
        variables: dict[str, str] = function.state["environment"]["variables"]
        assert env_name("cursor_key") not in variables, function.name
        assert CURSOR_KEY not in variables.values(), function.name


def test_only_the_functions_that_sign_cursors_are_told_the_secret_and_its_version(
    deployment: Deployment,
) -> None:
    secret_arn = deployment.one(SECRET, "cursor-key").state["arn"]
    told = set()
    for function in deployment.of_type(FUNCTION):
        variables = function.state["environment"]["variables"]
        if env_name("cursor_key_secret") in variables:
            told.add(_short_name(function))
            assert variables[env_name("cursor_key_secret")] == secret_arn
            assert variables[env_name("cursor_key_version")]
        else:
            assert env_name("cursor_key_version") not in variables
    assert told == SIGNS_CURSORS == {"list_orders"}


def test_only_the_functions_that_sign_cursors_may_read_the_secret(
    deployment: Deployment,
) -> None:
    secret_arn = deployment.one(SECRET, "cursor-key").state["arn"]
    readers = set()
    for function in deployment.of_type(FUNCTION):
        for statement in _policy_of(deployment, function)["Statement"]:
            touches = any(a.startswith("secretsmanager:") for a in statement["Action"])
            if touches or secret_arn in statement["Resource"]:
                assert statement["Action"] == ["secretsmanager:GetSecretValue"]
                assert statement["Resource"] == [secret_arn]
                readers.add(_short_name(function))
    assert readers == SIGNS_CURSORS


def test_only_the_functions_that_sign_cursors_may_decrypt_through_secrets_manager(
    deployment: Deployment,
) -> None:
    region = deployment.config["aws:region"]
    through_secrets = set()
    for function in deployment.of_type(FUNCTION):
        (key,) = [s for s in _policy_of(deployment, function)["Statement"] if s["Sid"] == "DataKey"]
        via = key["Condition"]["StringEquals"]["kms:ViaService"]
        assert f"lambda.{region}.amazonaws.com" in via
        if f"secretsmanager.{region}.amazonaws.com" in via:
            through_secrets.add(_short_name(function))
    assert through_secrets == SIGNS_CURSORS
