"""Every stack declares what the issue asks for, with the settings of its Pulumi.<stack>.yaml."""

from __future__ import annotations

import importlib
import json
import os

import pytest
import yaml
from deploy_pulumi.orders_stack.api import BODY_MODELS, STAGE
from deploy_pulumi.orders_stack.config import flags_document
from deploy_pulumi.orders_stack.functions import FUNCTIONS
from deploy_pulumi.orders_stack.protection import MANAGED_RULE_GROUPS, RATE_RULE
from deploy_pulumi.orders_stack.settings import PROJECT

from orders_adapters.appconfig import validate_flags_document
from orders_adapters.table_definition import IDEMPOTENCY_TABLE, ORDERS_TABLE, TableDefinition
from orders_lambda.routes import ROUTES
from orders_lambda.settings import env_name, load_settings

from .conftest import PROGRAM, STACKS, Declared, Deployment, stack_config

TABLE = "aws:dynamodb/table:Table"
FUNCTION = "aws:lambda/function:Function"
QUEUE = "aws:sqs/queue:Queue"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPONENTS = {
    "Data": TABLE,
    "Events": QUEUE,
    "Config": "aws:appconfig/application:Application",
    "Functions": FUNCTION,
    "Api": "aws:apigateway/restApi:RestApi",
    "Protection": "aws:wafv2/webAcl:WebAcl",
    "Monitoring": ALARM,
}


def _alarms_on(deployment: Deployment, metric: str, dimension: str, value: str) -> list[Declared]:
    return [
        alarm
        for alarm in deployment.of_type(ALARM)
        if alarm.state.get("metricName") == metric
        and alarm.state.get("dimensions", {}).get(dimension) == value
    ]


def test_each_component_holds_its_resources(deployment: Deployment) -> None:
    for component, child_type in COMPONENTS.items():
        deployment.one(f"orders:stack:{component}")
        children = deployment.of_type(child_type)
        assert children, f"no {child_type}"
        assert all(r.parents == [f"orders:stack:{component}"] for r in children)


def test_the_stack_exports_what_a_client_and_an_operator_need(deployment: Deployment) -> None:
    outputs = deployment.outputs
    assert outputs["api_url"].endswith(f"/{STAGE}")
    assert outputs["orders_table"] == deployment.one(TABLE, "orders").state["name"]
    assert outputs["payments_queue"] == deployment.one(QUEUE, "events-payments").state["name"]
    assert outputs["event_bus"] == deployment.one("aws:cloudwatch/eventBus:EventBus").state["name"]
    assert outputs["user_pool_id"]
    assert outputs["user_pool_client_id"]


def _assert_table_follows(table: Declared, definition: TableDefinition, stack: str) -> None:
    state = table.state
    assert state["hashKey"] == definition.partition_key
    assert state.get("rangeKey") == definition.sort_key
    assert {a["name"] for a in state["attributes"]} == set(definition.key_attributes())
    indexes = {
        index["name"]: [(k["attributeName"], k["keyType"]) for k in index["keySchemas"]]
        for index in state.get("globalSecondaryIndexes", [])
    }
    assert indexes == {
        i.name: [(i.partition_key, "HASH"), (i.sort_key, "RANGE")] for i in definition.indexes
    }
    assert state["billingMode"] == definition.billing_mode == "PAY_PER_REQUEST"
    assert state["pointInTimeRecovery"] == {"enabled": True}
    assert state["ttl"] == {"attributeName": definition.ttl_attribute, "enabled": True}
    assert state["serverSideEncryption"]["enabled"] is True
    assert state["serverSideEncryption"]["kmsKeyArn"].startswith("arn:aws:kms:")
    assert state["deletionProtectionEnabled"] is (stack == "prod")
    assert state.get("streamViewType") == definition.stream_view_type


def test_tables_follow_the_shared_definition(deployment: Deployment) -> None:
    _assert_table_follows(deployment.one(TABLE, "orders"), ORDERS_TABLE, deployment.stack)
    _assert_table_follows(deployment.one(TABLE, "idempotency"), IDEMPOTENCY_TABLE, deployment.stack)
    assert deployment.one(TABLE, "orders").state["streamEnabled"] is True


def test_the_orders_table_has_the_sparse_keys_only_expiry_index(deployment: Deployment) -> None:
    indexes = {
        i["name"]: i for i in deployment.one(TABLE, "orders").state["globalSecondaryIndexes"]
    }
    due = indexes["GSI3"]
    assert [(k["attributeName"], k["keyType"]) for k in due["keySchemas"]] == [
        ("GSI3PK", "HASH"),
        ("GSI3SK", "RANGE"),
    ]
    assert due["projectionType"] == "KEYS_ONLY"


def test_prod_alone_protects_its_data_from_deletion(deployment: Deployment) -> None:
    prod = deployment.stack == "prod"
    assert deployment.setting("deletionProtection") is prod
    pool = deployment.one("aws:cognito/userPool:UserPool").state
    assert pool["deletionProtection"] == ("ACTIVE" if prod else "INACTIVE")


def test_every_function_is_sized_traced_and_logged_as_configured(deployment: Deployment) -> None:
    sizing = deployment.setting("functions")
    functions = {f.state["handler"]: f.state for f in deployment.of_type(FUNCTION)}
    assert set(functions) == {spec.handler for spec in FUNCTIONS}
    log_groups = {
        g.state["name"]: g.state for g in deployment.of_type("aws:cloudwatch/logGroup:LogGroup")
    }
    hashes = set()
    for spec in FUNCTIONS:
        state = functions[spec.handler]
        assert state["architectures"] == ["arm64"]
        assert state["runtime"] == f"python{deployment.setting('pythonVersion')}"
        assert state["memorySize"] == sizing[spec.sizing]["memoryMb"]
        assert state["timeout"] == sizing[spec.sizing]["timeoutSeconds"]
        assert state["tracingConfig"] == {"mode": "Active"}
        assert state["loggingConfig"]["logFormat"] == "JSON"
        group = log_groups[state["loggingConfig"]["logGroup"]]
        assert group["retentionInDays"] == deployment.setting("logRetentionDays")
        hashes.add(state["sourceCodeHash"])
    assert len(hashes) == 1, "every function runs the one artifact"


def test_functions_get_the_variables_the_settings_model_reads(deployment: Deployment) -> None:
    expected = {
        env_name(field)
        for field in (
            "store",
            "table_name",
            "idempotency_table",
            "flags_source",
            "appconfig_application",
            "appconfig_environment",
            "appconfig_profile",
            "staff_group",
        )
    }
    for function in deployment.of_type(FUNCTION):
        variables = function.state["environment"]["variables"]
        assert expected <= set(variables), function.name
        assert variables[env_name("table_name")] == deployment.one(TABLE, "orders").state["name"]


def test_every_function_starts_with_the_environment_it_is_given(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The program checks environments with the manifest only; here the settings models the
    # functions run read each one, as a cold start in Lambda would.
    for function in deployment.of_type(FUNCTION):
        with monkeypatch.context() as environment:
            for name in list(os.environ):
                if name.startswith(("ORDERS_", "POWERTOOLS_")):
                    environment.delenv(name)
            for name, value in function.state["environment"]["variables"].items():
                environment.setenv(name, value)
            settings = load_settings()
            if function.state["handler"] == "orders_lambda.entrypoints.publisher.handler":
                assert settings.bus


def test_every_route_is_served_and_every_order_route_needs_a_cognito_user(
    deployment: Deployment,
) -> None:
    methods = {
        m.name.removeprefix("api-"): m.state
        for m in deployment.of_type("aws:apigateway/method:Method")
    }
    assert set(methods) == {route.name for route in ROUTES}
    authorizer = deployment.one("aws:apigateway/authorizer:Authorizer").state
    assert authorizer["type"] == "COGNITO_USER_POOLS"
    assert authorizer["providerArns"] == [
        deployment.one("aws:cognito/userPool:UserPool").state["arn"]
    ]
    for route in ROUTES:
        method = methods[route.name]
        assert method["httpMethod"] == route.method
        assert method["requestValidatorId"]
        if route.authorized:
            assert method["authorization"] == "COGNITO_USER_POOLS", route.name
            assert method["authorizerId"], route.name
    integrations = deployment.of_type("aws:apigateway/integration:Integration")
    assert len(integrations) == len(ROUTES)
    assert all(i.state["type"] == "AWS_PROXY" for i in integrations)


def test_request_bodies_are_checked_against_the_runtime_models(deployment: Deployment) -> None:
    models = {
        m.state["name"]: json.loads(m.state["schema"])
        for m in deployment.of_type("aws:apigateway/model:Model")
    }
    assert set(models) == set(BODY_MODELS.values())
    for schema in models.values():
        assert schema["additionalProperties"] is False
        assert "$ref" not in json.dumps(schema)
    methods = {
        m.name.removeprefix("api-"): m.state
        for m in deployment.of_type("aws:apigateway/method:Method")
    }
    for route_name, model in BODY_MODELS.items():
        assert methods[route_name]["requestModels"] == {"application/json": model}


def test_the_stage_is_throttled_traced_logged_and_redeployed_on_change(
    deployment: Deployment,
) -> None:
    stage = deployment.one("aws:apigateway/stage:Stage").state
    assert stage["xrayTracingEnabled"] is True
    access = stage["accessLogSettings"]
    assert json.loads(access["format"])["requestId"] == "$context.requestId"
    assert deployment.by_arn(access["destinationArn"]).type == "aws:cloudwatch/logGroup:LogGroup"
    settings = deployment.one("aws:apigateway/methodSettings:MethodSettings").state["settings"]
    api = deployment.setting("api")
    assert settings["throttlingRateLimit"] == api["throttleRateLimit"]
    assert settings["throttlingBurstLimit"] == api["throttleBurstLimit"]
    deployment_resource = deployment.one("aws:apigateway/deployment:Deployment").state
    assert len(deployment_resource["triggers"]["redeployment"]) == 64


def test_cognito_has_a_pool_a_public_client_and_a_staff_group(deployment: Deployment) -> None:
    client = deployment.one("aws:cognito/userPoolClient:UserPoolClient").state
    assert client["generateSecret"] is False
    assert ("ALLOW_USER_PASSWORD_AUTH" in client["explicitAuthFlows"]) is deployment.setting(
        "allowPasswordAuth"
    )
    assert not any(a.startswith("custom:") for a in client["writeAttributes"])
    assert deployment.one("aws:cognito/userGroup:UserGroup").state["name"] == "staff"


def test_the_web_acl_guards_the_stage_with_managed_rules_and_a_rate_limit(
    deployment: Deployment,
) -> None:
    acl = deployment.one("aws:wafv2/webAcl:WebAcl").state
    assert acl["scope"] == "REGIONAL"
    rules = {rule["name"]: rule for rule in acl["rules"]}
    assert set(rules) == {*MANAGED_RULE_GROUPS, RATE_RULE}
    rate = rules[RATE_RULE]["statement"]["rateBasedStatement"]
    assert rate["aggregateKeyType"] == "IP"
    assert rate["limit"] == deployment.setting("api")["wafRateLimitPer5Minutes"]
    association = deployment.one("aws:wafv2/webAclAssociation:WebAclAssociation").state
    assert association["resourceArn"] == deployment.one("aws:apigateway/stage:Stage").state["arn"]
    logging = deployment.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    destination = deployment.by_arn(logging.state["logDestinationConfigs"][0])
    assert destination.state["name"].startswith("aws-waf-logs-")


def test_queues_are_encrypted_and_payments_redrive_to_their_dlq(deployment: Deployment) -> None:
    queues = deployment.of_type(QUEUE)
    assert all(q.state["kmsMasterKeyId"].startswith("arn:aws:kms:") for q in queues)
    payments = deployment.one(QUEUE, "events-payments").state
    redrive = json.loads(payments["redrivePolicy"])
    assert deployment.by_arn(redrive["deadLetterTargetArn"]).name == "events-payments-dlq"
    events = deployment.setting("events")
    assert redrive["maxReceiveCount"] == events["paymentsMaxReceiveCount"]
    consumer_timeout = deployment.setting("functions")["consumer"]["timeoutSeconds"]
    assert payments["visibilityTimeoutSeconds"] >= 6 * consumer_timeout


def _dead_letter_arns(deployment: Deployment) -> dict[str, str]:
    """Each asynchronous path (trigger resource name) and the ARN its failures go to."""
    found: dict[str, str] = {}
    payments_queue = deployment.one(QUEUE, "events-payments").state
    for mapping in deployment.of_type("aws:lambda/eventSourceMapping:EventSourceMapping"):
        on_failure = mapping.state.get("destinationConfig", {}).get("onFailure", {})
        if mapping.state["eventSourceArn"] == payments_queue["arn"]:
            found[mapping.name] = json.loads(payments_queue["redrivePolicy"])["deadLetterTargetArn"]
        else:
            found[mapping.name] = on_failure.get("destinationArn", "")
    for target in deployment.of_type("aws:cloudwatch/eventTarget:EventTarget"):
        found[target.name] = target.state.get("deadLetterConfig", {}).get("arn", "")
    for config in deployment.of_type(
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
    ):
        found[config.name] = config.state["destinationConfig"]["onFailure"]["destination"]
    return found


def test_every_async_path_has_a_dead_letter_queue_with_an_alarm(deployment: Deployment) -> None:
    paths = _dead_letter_arns(deployment)
    # payments queue, outbox stream, shipments rule and async invoke, the OrderPlaced rule
    assert len(paths) == 5
    for path, arn in paths.items():
        assert arn, f"{path} has no dead-letter destination"
        queue = deployment.by_arn(arn)
        assert queue.type == QUEUE
        alarms = _alarms_on(
            deployment, "ApproximateNumberOfMessagesVisible", "QueueName", queue.state["name"]
        )
        assert len(alarms) == 1, f"no alarm on {queue.name}"
        assert alarms[0].state["threshold"] == 0
        assert alarms[0].state["comparisonOperator"] == "GreaterThanThreshold"


def test_shipment_events_reach_their_consumer_and_undeliverable_ones_a_dlq(
    deployment: Deployment,
) -> None:
    rule = deployment.one("aws:cloudwatch/eventRule:EventRule", "events-shipments").state
    assert rule["eventBusName"] == deployment.one("aws:cloudwatch/eventBus:EventBus").state["name"]
    assert json.loads(rule["eventPattern"]) == {
        "source": ["shipments"],
        "detail-type": ["SHIPMENT_DISPATCHED", "SHIPMENT_DELIVERED"],
    }
    queue_policy = json.loads(
        deployment.one("aws:sqs/queuePolicy:QueuePolicy", "events-shipments-dlq-policy").state[
            "policy"
        ]
    )
    (statement,) = queue_policy["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == rule["arn"]


def test_the_outbox_stream_feeds_the_publisher_with_bounded_retries(deployment: Deployment) -> None:
    stream = deployment.one(TABLE, "orders").state["streamArn"]
    (mapping,) = [
        m.state
        for m in deployment.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
        if m.state["eventSourceArn"] == stream
    ]
    assert (
        mapping["maximumRetryAttempts"]
        == deployment.setting("events")["streamMaximumRetryAttempts"]
    )
    assert mapping["bisectBatchOnFunctionError"] is True
    assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]
    alias = deployment.by_arn(mapping["functionName"])
    assert alias.type == "aws:lambda/alias:Alias"
    function = deployment.one(FUNCTION, alias.state["functionName"])
    assert function.state["handler"] == "orders_lambda.entrypoints.publisher.handler"


def test_appconfig_hosts_a_flags_document_the_runtime_accepts(deployment: Deployment) -> None:
    for part in (
        "application:Application",
        "environment:Environment",
        "deploymentStrategy:DeploymentStrategy",
        "deployment:Deployment",
    ):
        deployment.one(f"aws:appconfig/{part}")
    profile = deployment.one("aws:appconfig/configurationProfile:ConfigurationProfile").state
    assert profile["locationUri"] == "hosted"
    hosted = deployment.one("aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion")
    document = json.loads(hosted.state["content"])
    assert validate_flags_document(document) == flags_document(None)


def test_alarms_cover_the_api_every_function_the_tables_and_the_flags(
    deployment: Deployment,
) -> None:
    topic = deployment.one("aws:sns/topic:Topic").state
    assert topic["kmsMasterKeyId"].startswith("arn:aws:kms:")
    alarms = deployment.of_type(ALARM)
    assert all(a.state["alarmActions"] == [topic["arn"]] for a in alarms)
    metrics = {a.state.get("metricName") for a in alarms} | {
        query["metric"]["metricName"]
        for a in alarms
        for query in a.state.get("metricQueries", [])
        if "metric" in query
    }
    assert {
        "5XXError",
        "Latency",
        "FlagsFailures",
        "IteratorAge",
        "SystemErrors",
        "EventsNotPublished",
    } <= metrics
    latency = next(a.state for a in alarms if a.state.get("metricName") == "Latency")
    assert latency["extendedStatistic"] == "p90"
    assert latency["threshold"] == deployment.setting("alarms")["apiP90LatencyMs"]
    for function in deployment.of_type(FUNCTION):
        for metric in ("Errors", "Throttles", "Duration"):
            assert _alarms_on(deployment, metric, "FunctionName", function.state["name"]), (
                f"{function.name} has no {metric} alarm"
            )
    for table in deployment.of_type(TABLE):
        for metric in ("ReadThrottleEvents", "WriteThrottleEvents"):
            assert _alarms_on(deployment, metric, "TableName", table.state["name"])
            for index in table.state.get("globalSecondaryIndexes", []):
                assert any(
                    a.state.get("metricName") == metric
                    and a.state["dimensions"]
                    == {"TableName": table.state["name"], "GlobalSecondaryIndexName": index["name"]}
                    for a in alarms
                ), f"index {index['name']} of {table.name} has no {metric} alarm"
        assert any(
            query.get("metric", {}).get("metricName") == "SystemErrors"
            and query["metric"]["dimensions"]["TableName"] == table.state["name"]
            for alarm in alarms
            for query in alarm.state.get("metricQueries", [])
        )


def test_two_dashboards_show_the_business_and_the_machinery(deployment: Deployment) -> None:
    dashboards = {
        d.name: json.loads(d.state["dashboardBody"])
        for d in deployment.of_type("aws:cloudwatch/dashboard:Dashboard")
    }
    assert set(dashboards) == {"monitoring-business", "monitoring-detail"}

    business = json.dumps(dashboards["monitoring-business"])
    detail = json.dumps(dashboards["monitoring-detail"])
    for metric in (
        "OrdersPlaced",
        "OrderValue",
        "OrdersCancelled",
        "FlagsFailures",
        "5XXError",
        "Latency",
    ):
        assert f'{metric}\\"' in business or f'"{metric}"' in business, metric
    for metric in (
        "Invocations",
        "ConsumedReadCapacityUnits",
        "ApproximateNumberOfMessagesVisible",
    ):
        assert f'"{metric}"' in detail, metric


def test_only_the_publisher_is_told_the_event_bus(deployment: Deployment) -> None:
    bus = deployment.one("aws:cloudwatch/eventBus:EventBus").state["name"]
    for function in deployment.of_type(FUNCTION):
        variables = function.state["environment"]["variables"]
        publisher = function.state["handler"] == "orders_lambda.entrypoints.publisher.handler"
        assert (variables.get("ORDERS_EVENT_BUS_NAME") == bus) is publisher, function.name


def test_every_function_names_a_handler_the_code_has() -> None:
    for spec in FUNCTIONS:
        module, _, attribute = spec.handler.rpartition(".")
        assert callable(getattr(importlib.import_module(module), attribute)), spec.handler


def test_pulumi_refuses_to_delete_prods_data(deployment: Deployment) -> None:
    data = deployment.built.data
    protected = deployment.stack == "prod"
    for resource in (data.key, data.orders_table, data.idempotency_table):
        assert resource._protect is protected  # the option is kept only here


def test_every_stack_file_belongs_to_the_project_and_sets_the_same_keys() -> None:
    project = yaml.safe_load((PROGRAM / "Pulumi.yaml").read_text())
    assert project["name"] == PROJECT
    assert project["runtime"]["name"] == "python"
    keys = [set(stack_config(stack)) for stack in STACKS]
    assert all(k == keys[0] for k in keys)
    assert all(key.startswith((f"{PROJECT}:", "aws:")) for key in keys[0])


def test_api_gateways_own_errors_have_the_services_error_shape(deployment: Deployment) -> None:
    responses = {
        r.state["responseType"]: r.state
        for r in deployment.of_type("aws:apigateway/response:Response")
    }
    assert {"BAD_REQUEST_BODY", "UNAUTHORIZED", "THROTTLED", "WAF_FILTERED", "DEFAULT_5XX"} <= set(
        responses
    )
    assert responses["BAD_REQUEST_BODY"]["statusCode"] == "422"
    for response in responses.values():
        template = response["responseTemplates"]["application/json"]
        filled = (
            template.replace("$context.error.messageString", '"a message"')
            .replace("$context.error.validationErrorString", "a reason")
            .replace("$context.requestId", "request-1")
        )
        error = json.loads(filled)["error"]
        assert set(error) == {"code", "message", "request_id"}
        assert error["request_id"] == "request-1"


def test_nobody_can_sign_themselves_up(deployment: Deployment) -> None:
    pool = deployment.one("aws:cognito/userPool:UserPool").state
    assert pool["adminCreateUserConfig"]["allowAdminCreateUserOnly"] is True
