"""Capacity: the concurrency budget adds up, every caller invokes a live alias, prod keeps its
hot API functions warm on that alias, and the REST API compresses large responses."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from deploy_pulumi.orders_stack.functions import FUNCTIONS, LIVE
from deploy_pulumi.orders_stack.settings import PROJECT, UNRESERVED_MINIMUM

from .conftest import Declared, Deployment, run_program, stack_config

FUNCTION = "aws:lambda/function:Function"
ALIAS = "aws:lambda/alias:Alias"
PROVISIONED = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
API_FUNCTIONS = {spec.name for spec in FUNCTIONS if spec.sizing == "api"}


def _short(function: Declared, stack: str) -> str:
    return str(function.state["name"]).removeprefix(f"orders-{stack}-").replace("-", "_")


def _functions(deployment: Deployment) -> dict[str, Declared]:
    return {_short(f, deployment.stack): f for f in deployment.of_type(FUNCTION)}


def _alias_of(deployment: Deployment, function: Declared) -> Declared:
    (alias,) = [a for a in deployment.of_type(ALIAS) if a.state["functionName"] == function.name]
    return alias


def test_the_concurrency_declared_leaves_the_unreserved_minimum_and_the_api_peak(
    deployment: Deployment,
) -> None:
    budget = deployment.setting("concurrency")
    functions = _functions(deployment)
    reserved = {
        name: f.state["reservedConcurrentExecutions"]
        for name, f in functions.items()
        if f.state.get("reservedConcurrentExecutions") is not None
    }
    # The consumers and the publisher are capped; the API functions share what is left.
    assert reserved == budget["reserved"]
    assert set(reserved) == {"payments", "shipments", "publisher"}
    provisioned = sum(
        p.state["provisionedConcurrentExecutions"] for p in deployment.of_type(PROVISIONED)
    )
    set_aside = sum(reserved.values()) + provisioned
    assert set_aside <= budget["accountLimit"] - UNRESERVED_MINIMUM
    api = deployment.setting("api")
    p90_seconds = deployment.setting("alarms")["functionP90DurationMs"]["api"] / 1000
    peak = api["throttleRateLimit"] * p90_seconds
    assert peak <= budget["accountLimit"] - set_aside


def test_the_payments_queue_never_runs_more_batches_than_its_function_may(
    deployment: Deployment,
) -> None:
    payments = _functions(deployment)["payments"]
    queue = deployment.one("aws:sqs/queue:Queue", "events-payments").state["arn"]
    (mapping,) = [m for m in deployment.of_type(MAPPING) if m.state["eventSourceArn"] == queue]
    maximum = mapping.state["scalingConfig"]["maximumConcurrency"]
    assert maximum == deployment.setting("concurrency")["paymentsMaximumConcurrency"]
    assert 2 <= maximum <= payments.state["reservedConcurrentExecutions"]


def test_every_deploy_publishes_a_version_and_points_live_at_it(deployment: Deployment) -> None:
    for function in deployment.of_type(FUNCTION):
        assert function.state["publish"] is True, function.name
        alias = _alias_of(deployment, function)
        assert alias.state["name"] == LIVE
        assert alias.state["functionVersion"] == function.state["version"]


def test_api_gateway_invokes_the_live_alias_and_may_only_invoke_that(
    deployment: Deployment,
) -> None:
    aliases = {a.state["invokeArn"]: a for a in deployment.of_type(ALIAS)}
    integrations = deployment.of_type("aws:apigateway/integration:Integration")
    assert integrations
    for integration in integrations:
        assert integration.state["uri"] in aliases, integration.name
    permissions = [
        p
        for p in deployment.of_type("aws:lambda/permission:Permission")
        if p.state["principal"] == "apigateway.amazonaws.com"
    ]
    assert len(permissions) == len(integrations)
    assert all(p.state["qualifier"] == LIVE for p in permissions)


def test_the_event_sources_and_the_shipments_rule_invoke_the_live_alias(
    deployment: Deployment,
) -> None:
    alias_arns = {a.state["arn"] for a in deployment.of_type(ALIAS)}
    mappings = deployment.of_type(MAPPING)
    assert len(mappings) == 2
    assert all(m.state["functionName"] in alias_arns for m in mappings)
    target = deployment.one("aws:cloudwatch/eventTarget:EventTarget", "shipments-rule-target")
    assert target.state["arn"] in alias_arns
    rule_permission = deployment.one("aws:lambda/permission:Permission", "shipments-rule-invokes")
    assert rule_permission.state["qualifier"] == LIVE
    (invoke_config,) = deployment.of_type(
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
    )
    # The async failure destination must sit on the qualifier EventBridge invokes.
    assert invoke_config.state["qualifier"] == LIVE


def test_prod_keeps_its_hot_api_functions_warm_on_the_live_alias_and_no_snapstart(
    deployment: Deployment,
) -> None:
    wanted = deployment.setting("concurrency")["provisioned"]
    assert bool(wanted) is (deployment.stack == "prod")
    functions = _functions(deployment)
    by_name = {f.state["name"]: short for short, f in functions.items()}
    declared = {by_name[p.state["functionName"]]: p.state for p in deployment.of_type(PROVISIONED)}
    assert {name: p["provisionedConcurrentExecutions"] for name, p in declared.items()} == wanted
    assert set(declared) <= API_FUNCTIONS
    assert all(p["qualifier"] == LIVE for p in declared.values())
    # Provisioned concurrency and SnapStart exclude each other: this program uses the first.
    assert not any(f.state.get("snapStart") for f in functions.values())


def test_the_rest_api_compresses_responses_from_the_stacks_size_and_redeploys_on_change(
    deployment: Deployment,
) -> None:
    size = deployment.setting("api")["minimumCompressionSizeBytes"]
    rest_api = deployment.one("aws:apigateway/restApi:RestApi").state
    assert rest_api["minimumCompressionSize"] == str(size)
    assert deployment.outputs["api_deployment_inputs"]["compression"] == size


def _with(stack: str, key: str, change: dict[str, Any]) -> dict[str, Any]:
    setting = copy.deepcopy(stack_config(stack)[f"{PROJECT}:{key}"])
    setting.update(change)
    return {f"{PROJECT}:{key}": setting}


@pytest.mark.parametrize(
    ("key", "change", "reason"),
    [
        # 900 + 2 + 2 = 904 leaves 96 unreserved, under AWS's minimum of 100.
        (
            "concurrency",
            {"reserved": {"payments": 900, "shipments": 2, "publisher": 2}},
            "exceed the account's limit",
        ),
        # Dev's 9 reserved leave 991: fine for the minimum, not for 1000 req/s x 1.5 s.
        ("api", {"throttleRateLimit": 1000}, "does not fit"),
        ("concurrency", {"paymentsMaximumConcurrency": 6}, "must not exceed"),
        ("concurrency", {"paymentsMaximumConcurrency": 1}, "between 2 and 1000"),
        ("concurrency", {"provisioned": {"payments": 2}}, "names no API function"),
        ("concurrency", {"reserved": {"payments": 5, "shipments": 2}}, "exactly"),
        ("api", {"minimumCompressionSizeBytes": 10 * 1024 * 1024 + 1}, "between 0 and"),
    ],
)
def test_a_budget_that_does_not_add_up_stops_the_deploy(
    code_zip: Path, key: str, change: dict[str, Any], reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        run_program("dev", code_zip, _with("dev", key, change))


def test_the_budget_check_lets_a_budget_through_at_its_exact_limits(code_zip: Path) -> None:
    # 896 + 2 + 2 = 900 reserved: exactly the limit minus 100, and the 100 left hold dev's
    # API peak (20 req/s x 1.5 s = 30).
    reserved = {"reserved": {"payments": 896, "shipments": 2, "publisher": 2}}
    deployment = run_program("dev", code_zip, _with("dev", "concurrency", reserved))
    assert _functions(deployment)["payments"].state["reservedConcurrentExecutions"] == 896
