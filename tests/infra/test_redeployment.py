"""The stage is redeployed whenever anything it serves changes: routes, integrations, the
authorizer, the validator, gateway responses, body models or the access-log format."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from deploy_pulumi.orders_stack.api import redeployment_trigger

from orders_lambda.routes import ROUTES

from .conftest import Deployment

PARTS = (
    "routes",
    "integrations",
    "authorizer",
    "validator",
    "models",
    "gateway_responses",
    "access_log",
    "compression",
)


def _inputs(deployment: Deployment) -> dict[str, Any]:
    resolved: dict[str, Any] = deployment.outputs["api_deployment_inputs"]
    return resolved


def test_the_trigger_is_the_hash_of_every_input_the_stage_serves(
    deployment: Deployment,
) -> None:
    inputs = _inputs(deployment)
    assert set(inputs) == set(PARTS)
    stage_deployment = deployment.one("aws:apigateway/deployment:Deployment").state
    assert stage_deployment["triggers"] == {"redeployment": redeployment_trigger(inputs)}


def test_the_inputs_name_each_declared_resource_the_stage_serves(
    deployment: Deployment,
) -> None:
    inputs = _inputs(deployment)
    assert set(inputs["routes"]) == set(inputs["integrations"]) == {r.name for r in ROUTES}
    integrations = {
        r.name.removeprefix("api-").removesuffix("-lambda"): r
        for r in deployment.of_type("aws:apigateway/integration:Integration")
    }
    for route, declared in inputs["integrations"].items():
        assert declared["id"] == f"{integrations[route].name}-id"
        assert declared["uri"] == integrations[route].state["uri"]
    authorizer = deployment.one("aws:apigateway/authorizer:Authorizer")
    assert inputs["authorizer"]["id"] == f"{authorizer.name}-id"
    assert inputs["authorizer"]["provider_arns"] == authorizer.state["providerArns"]
    validator = deployment.one("aws:apigateway/requestValidator:RequestValidator")
    assert inputs["validator"]["id"] == f"{validator.name}-id"


def _changed(value: Any) -> Any:
    """``value`` with its first leaf altered, wherever it is nested."""
    if isinstance(value, dict):
        first = sorted(value)[0]
        return {**value, first: _changed(value[first])}
    if isinstance(value, list):
        return [_changed(value[0]), *value[1:]]
    if isinstance(value, bool):
        return not value
    return f"{value}-replaced"


@pytest.mark.parametrize("part", PARTS)
def test_changing_any_one_part_changes_the_trigger(deployment: Deployment, part: str) -> None:
    inputs = _inputs(deployment)
    changed = copy.deepcopy(inputs)
    changed[part] = _changed(inputs[part])
    assert redeployment_trigger(changed) != redeployment_trigger(inputs)


def test_removing_a_route_changes_the_trigger(deployment: Deployment) -> None:
    inputs = _inputs(deployment)
    fewer = copy.deepcopy(inputs)
    removed = sorted(fewer["routes"])[0]
    del fewer["routes"][removed], fewer["integrations"][removed]
    assert redeployment_trigger(fewer) != redeployment_trigger(inputs)


def test_replacing_the_authorizer_with_the_same_settings_changes_the_trigger(
    deployment: Deployment,
) -> None:
    inputs = _inputs(deployment)
    replaced = copy.deepcopy(inputs)
    replaced["authorizer"]["id"] = "a-new-authorizer-id"
    assert redeployment_trigger(replaced) != redeployment_trigger(inputs)
