"""The REST API: Cognito users, the manifest's operations, request validation and the stage."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pulumi
import pulumi_aws as aws

from orders_manifest.errors import ErrorCode
from orders_manifest.operations import OPERATIONS, Operation
from orders_manifest.schemas import body_schema

from . import policies
from .environment import staff_group, tier_attribute
from .functions import Functions
from .settings import StackSettings

STAGE = "v1"
# AWS's policy for the account-wide role API Gateway writes access and execution logs with.
PUSH_TO_CLOUDWATCH_LOGS = (
    "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
)
# Which request body model API Gateway checks before a function runs, by operation name.
BODY_MODELS: dict[str, str] = {o.name: o.body for o in OPERATIONS if o.body is not None}
# API Gateway's own answers (body validation, missing token, throttling, WAF...) in the
# service's one error shape: response type -> (status, code, message). A None status keeps
# API Gateway's; "$context.error.messageString" is already a quoted JSON string.
_MESSAGE = "$context.error.messageString"
GATEWAY_RESPONSES: dict[str, tuple[str | None, str, str]] = {
    "BAD_REQUEST_BODY": (
        "422",
        ErrorCode.VALIDATION_FAILED.value,
        '"$context.error.validationErrorString"',
    ),
    "BAD_REQUEST_PARAMETERS": (None, ErrorCode.BAD_REQUEST.value, _MESSAGE),
    "UNAUTHORIZED": (None, ErrorCode.UNAUTHENTICATED.value, _MESSAGE),
    # What API Gateway answers for a path (or method) it has no route for.
    "MISSING_AUTHENTICATION_TOKEN": ("404", ErrorCode.ROUTE_NOT_FOUND.value, '"no such route"'),
    "ACCESS_DENIED": (None, ErrorCode.FORBIDDEN.value, _MESSAGE),
    "WAF_FILTERED": (None, ErrorCode.FORBIDDEN.value, _MESSAGE),
    "THROTTLED": (None, ErrorCode.THROTTLED.value, _MESSAGE),
    "REQUEST_TOO_LARGE": (None, ErrorCode.PAYLOAD_TOO_LARGE.value, _MESSAGE),
    "DEFAULT_4XX": (None, ErrorCode.BAD_REQUEST.value, _MESSAGE),
    "DEFAULT_5XX": (None, ErrorCode.INTERNAL_ERROR.value, _MESSAGE),
}


def gateway_error_template(code: str, message: str) -> str:
    return (
        f'{{"error": {{"code": "{code}", "message": {message},'
        ' "request_id": "$context.requestId"}}'
    )


# API Gateway models are JSON Schema draft 4: no $defs, no examples.
_DRAFT4_DROPPED = frozenset({"examples", "title", "$defs"})
# One JSON line per request; ids and outcomes only, no bodies or tokens.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "latencyMs": "$context.responseLatency",
        "integrationLatencyMs": "$context.integration.latency",
        "integrationError": "$context.integration.error",
        "authorizerError": "$context.authorizer.error",
        "wafStatus": "$context.waf.status",
        "principal": "$context.authorizer.claims.sub",
        "xrayTraceId": "$context.xrayTraceId",
    },
    sort_keys=True,
)


def draft4_schema(model: str) -> dict[str, Any]:
    """The body model's JSON Schema (from the manifest) with references inlined, in the
    dialect API Gateway reads."""
    schema = body_schema(model)
    definitions: dict[str, Any] = schema.get("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                return inline(definitions[ref.rpartition("/")[2]])
            return {k: inline(v) for k, v in node.items() if k not in _DRAFT4_DROPPED}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return {"$schema": "http://json-schema.org/draft-04/schema#", **inline(schema)}


def redeployment_trigger(shape: Any) -> str:
    """The hash a stage deployment is redone on: any change to any part of ``shape`` moves it."""
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()


def route_source_path(route: Operation) -> str:
    """The route's path as it appears in an execute-api ARN: each parameter is any one segment."""
    return "/".join("*" if part.startswith("{") else part for part in route.path.split("/"))


class Api(pulumi.ComponentResource):
    """Cognito user pool, client and staff group; REST API with a stage and access logs."""

    user_pool: aws.cognito.UserPool
    client: aws.cognito.UserPoolClient
    rest_api: aws.apigateway.RestApi
    stage: aws.apigateway.Stage
    access_logs: aws.cloudwatch.LogGroup
    account: aws.apigateway.Account | None
    url: pulumi.Output[str]
    # Every input of the API a deployment snapshots; its hash triggers a new deployment.
    deployment_inputs: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        name: str,
        settings: StackSettings,
        functions: Functions,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("orders:stack:Api", name, None, opts)
        self._child = pulumi.ResourceOptions(parent=self)
        self._settings = settings
        self._users(name)
        self.rest_api = aws.apigateway.RestApi(
            f"{name}-rest",
            name=settings.resource_name("api"),
            description="Orders service",
            endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(
                types="REGIONAL"
            ),
            # gzip or deflate, for a client whose first choice in Accept-Encoding is one.
            minimum_compression_size=str(settings.minimum_compression_size),
            opts=self._child,
        )
        authorizer = aws.apigateway.Authorizer(
            f"{name}-cognito",
            name="cognito-users",
            rest_api=self.rest_api.id,
            type="COGNITO_USER_POOLS",
            provider_arns=[self.user_pool.arn],
            identity_source="method.request.header.Authorization",
            opts=self._child,
        )
        validator = aws.apigateway.RequestValidator(
            f"{name}-validator",
            name="body-and-parameters",
            rest_api=self.rest_api.id,
            validate_request_body=True,
            validate_request_parameters=True,
            opts=self._child,
        )
        models = {
            route_name: aws.apigateway.Model(
                f"{name}-{model}",
                rest_api=self.rest_api.id,
                name=model,
                content_type="application/json",
                schema=json.dumps(draft4_schema(model), sort_keys=True),
                opts=self._child,
            )
            for route_name, model in BODY_MODELS.items()
        }
        # Everything a deployment must wait for: gateway responses, methods and integrations.
        responses = {
            response_type: aws.apigateway.Response(
                f"{name}-{response_type.lower().replace('_', '-')}",
                rest_api_id=self.rest_api.id,
                response_type=response_type,
                status_code=status,
                response_templates={"application/json": gateway_error_template(code, message)},
                opts=self._child,
            )
            for response_type, (status, code, message) in GATEWAY_RESPONSES.items()
        }
        parts: list[pulumi.Resource] = list(responses.values())
        resources = self._resources(name)
        # What the stage serves, as declared: a resource's id is in it too, so a resource
        # replaced with the same settings (a new authorizer, say) still redeploys the stage.
        integrations: dict[str, Any] = {}
        methods: dict[str, Any] = {}
        for route in OPERATIONS:
            function = functions.functions[route.function]
            live = functions.aliases[route.function]
            model = models.get(route.name)
            method = aws.apigateway.Method(
                f"{name}-{route.name}",
                rest_api=self.rest_api.id,
                resource_id=resources[route.path],
                http_method=route.method,
                authorization="COGNITO_USER_POOLS" if route.authorized else "NONE",
                authorizer_id=authorizer.id if route.authorized else None,
                request_validator_id=validator.id,
                request_models={"application/json": model.name} if model else None,
                request_parameters={
                    f"method.request.path.{part[1:-1]}": True
                    for part in route.path.split("/")
                    if part.startswith("{")
                }
                or None,
                opts=self._child,
            )
            integration = aws.apigateway.Integration(
                f"{name}-{route.name}-lambda",
                rest_api=self.rest_api.id,
                resource_id=resources[route.path],
                http_method=method.http_method,
                type="AWS_PROXY",
                integration_http_method="POST",
                uri=live.invoke_arn,
                opts=self._child,
            )
            methods[route.name] = {
                "id": method.id,
                "method": route.method,
                "path": route.path,
                "resource": resources[route.path],
                "authorized": route.authorized,
                "model": model.name if model else None,
            }
            integrations[route.name] = {
                "id": integration.id,
                "type": "AWS_PROXY",
                "uri": live.invoke_arn,
            }
            aws.lambda_.Permission(
                f"{name}-{route.name}-invoke",
                action="lambda:InvokeFunction",
                function=function.name,
                qualifier=live.name,
                principal="apigateway.amazonaws.com",
                source_arn=pulumi.Output.concat(
                    self.rest_api.execution_arn,
                    f"/{STAGE}/{route.method}{route_source_path(route)}",
                ),
                opts=self._child,
            )
            parts += [method, integration]
        self.deployment_inputs = pulumi.Output.from_input(
            {
                "routes": methods,
                "integrations": integrations,
                "authorizer": {
                    "id": authorizer.id,
                    "type": "COGNITO_USER_POOLS",
                    "provider_arns": [self.user_pool.arn],
                    "identity_source": "method.request.header.Authorization",
                },
                "validator": {"id": validator.id, "body": True, "parameters": True},
                "models": {
                    route_name: {"id": models[route_name].id, "schema": draft4_schema(model)}
                    for route_name, model in BODY_MODELS.items()
                },
                "gateway_responses": {
                    response_type: {"id": response.id, "answer": GATEWAY_RESPONSES[response_type]}
                    for response_type, response in responses.items()
                },
                "access_log": ACCESS_LOG_FORMAT,
                # A REST API's compression setting reaches clients only with a new deployment.
                "compression": settings.minimum_compression_size,
            }
        )
        self._stage(name, parts, models)
        self.register_outputs({"url": self.url})

    def _users(self, name: str) -> None:
        settings = self._settings
        self.user_pool = aws.cognito.UserPool(
            f"{name}-users",
            name=settings.resource_name("users"),
            username_attributes=["email"],
            auto_verified_attributes=["email"],
            # Customers are created by the shop's own back office, never by signing up.
            admin_create_user_config=aws.cognito.UserPoolAdminCreateUserConfigArgs(
                allow_admin_create_user_only=True
            ),
            password_policy=aws.cognito.UserPoolPasswordPolicyArgs(
                minimum_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_numbers=True,
                require_symbols=True,
                temporary_password_validity_days=3,
            ),
            mfa_configuration="OPTIONAL",
            software_token_mfa_configuration=aws.cognito.UserPoolSoftwareTokenMfaConfigurationArgs(
                enabled=True
            ),
            account_recovery_setting=aws.cognito.UserPoolAccountRecoverySettingArgs(
                recovery_mechanisms=[
                    aws.cognito.UserPoolAccountRecoverySettingRecoveryMechanismArgs(
                        name="verified_email", priority=1
                    )
                ]
            ),
            # The tier is set by staff tooling; the app client may read it but never write it.
            schemas=[
                aws.cognito.UserPoolSchemaArgs(
                    name=tier_attribute(),
                    attribute_data_type="String",
                    mutable=True,
                    string_attribute_constraints=aws.cognito.UserPoolSchemaStringAttributeConstraintsArgs(
                        min_length="1", max_length="32"
                    ),
                )
            ],
            deletion_protection="ACTIVE" if settings.deletion_protection else "INACTIVE",
            opts=self._child,
        )
        aws.cognito.UserGroup(
            f"{name}-staff",
            name=staff_group(),
            user_pool_id=self.user_pool.id,
            description="Staff: may read and change every customer's orders",
            opts=self._child,
        )
        flows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
        if settings.allow_password_auth:
            flows.append("ALLOW_USER_PASSWORD_AUTH")
        self.client = aws.cognito.UserPoolClient(
            f"{name}-client",
            name=settings.resource_name("client"),
            user_pool_id=self.user_pool.id,
            generate_secret=False,
            explicit_auth_flows=flows,
            prevent_user_existence_errors="ENABLED",
            enable_token_revocation=True,
            read_attributes=["email", "email_verified", f"custom:{tier_attribute()}"],
            write_attributes=["email"],
            id_token_validity=60,
            access_token_validity=60,
            refresh_token_validity=30,
            token_validity_units=aws.cognito.UserPoolClientTokenValidityUnitsArgs(
                # Units of the validities above, not secrets.
                id_token="minutes",  # noqa: S106
                access_token="minutes",  # noqa: S106
                refresh_token="days",  # noqa: S106
            ),
            opts=self._child,
        )

    def _account_logging_role(self, name: str) -> aws.apigateway.Account | None:
        """The account's API Gateway CloudWatch role, when this stack is the one that owns it.

        It is one setting per account and region, shared by every API there: a stack that does
        not own it relies on it being set already (docs/deploy.md, "Before the first deploy").
        """
        if not self._settings.manage_account_logging_role:
            return None
        role = aws.iam.Role(
            f"{name}-account-logging",
            description="API Gateway writes this account's API logs to CloudWatch Logs",
            assume_role_policy=policies.service_trust("apigateway.amazonaws.com"),
            opts=self._child,
        )
        attached = aws.iam.RolePolicyAttachment(
            f"{name}-account-logging-policy",
            role=role.name,
            policy_arn=PUSH_TO_CLOUDWATCH_LOGS,
            opts=self._child,
        )
        return aws.apigateway.Account(
            f"{name}-account",
            cloudwatch_role_arn=role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[attached]),
        )

    def _resources(self, name: str) -> dict[str, pulumi.Input[str]]:
        """One API Gateway resource per path segment, keyed by the full path."""
        ids: dict[str, pulumi.Input[str]] = {"": self.rest_api.root_resource_id}
        for path in sorted({route.path for route in OPERATIONS}):
            segments = path.strip("/").split("/")
            for depth in range(1, len(segments) + 1):
                current = "/" + "/".join(segments[:depth])
                parent = "/" + "/".join(segments[: depth - 1]) if depth > 1 else ""
                if current not in ids:
                    slug = current.strip("/").replace("/", "-").replace("{", "").replace("}", "")
                    ids[current] = aws.apigateway.Resource(
                        f"{name}-path-{slug}",
                        rest_api=self.rest_api.id,
                        parent_id=ids[parent],
                        path_part=segments[depth - 1],
                        opts=self._child,
                    ).id
        return ids

    def _stage(
        self, name: str, parts: list[pulumi.Resource], models: dict[str, aws.apigateway.Model]
    ) -> None:
        settings = self._settings
        deployment = aws.apigateway.Deployment(
            f"{name}-deployment",
            rest_api=self.rest_api.id,
            # A deployment is a snapshot: without a new one, a changed or removed route, a
            # replaced integration, authorizer or validator would not reach the stage.
            triggers={"redeployment": self.deployment_inputs.apply(redeployment_trigger)},
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[*parts, *models.values()],
            ),
        )
        self.account = self._account_logging_role(name)
        self.access_logs = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            name=f"/aws/apigateway/{settings.resource_name('api')}/{STAGE}",
            retention_in_days=settings.log_retention_days,
            opts=self._child,
        )
        self.stage = aws.apigateway.Stage(
            f"{name}-stage",
            rest_api=self.rest_api.id,
            deployment=deployment.id,
            stage_name=STAGE,
            xray_tracing_enabled=True,
            access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(
                destination_arn=self.access_logs.arn, format=ACCESS_LOG_FORMAT
            ),
            # API Gateway refuses access logs until the account names its CloudWatch role.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[self.account] if self.account else []
            ),
        )
        aws.apigateway.MethodSettings(
            f"{name}-throttling",
            rest_api=self.rest_api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings=aws.apigateway.MethodSettingsSettingsArgs(
                throttling_rate_limit=settings.throttle_rate_limit,
                throttling_burst_limit=settings.throttle_burst_limit,
                metrics_enabled=True,
            ),
            opts=self._child,
        )
        self.url = self.stage.invoke_url
