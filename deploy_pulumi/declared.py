"""Run the Pulumi program against Pulumi's mocks and keep what it declared: what the infra
tests check (their conftest) and where the cost model counts the stack's alarms.

No pytest here, and nothing beyond the deploy extra: the documented-setup test runs this in a
fresh environment made as the docs say.

No CLI and no cloud: ``pulumi.runtime.set_mocks`` answers every resource registration with
its inputs plus the few attributes AWS would compute (ARNs, ids, URLs). Each stack's
``Pulumi.<stack>.yaml`` is loaded as the configuration, as ``pulumi up`` would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs

from deploy_pulumi import artifact
from deploy_pulumi.orders_stack.program import OrdersStack, define_stack
from deploy_pulumi.orders_stack.settings import PROJECT

PROGRAM = Path(artifact.__file__).parent
STACKS = ("dev", "staging", "prod")
CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
ACCOUNT = "123456789012"
CURSOR_KEY = "k" * 40
# How the mocks hand back a secret value: a dict marked with Pulumi's signature key.
SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 - a marker, not a secret


def fake_arn(typ: str, name: str, region: str) -> str:
    """An ARN of the shape AWS gives the resource type, without any wildcard."""
    service = typ.split(":")[1].split("/", maxsplit=1)[0].replace("_", "")
    if service == "cloudwatch" and typ.endswith("LogGroup"):
        return f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{name}"
    kind = typ.rsplit(":", 1)[1].lower()
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{kind}/{name}"


class FakeCloud(pulumi.runtime.Mocks):
    """Echoes inputs back with the computed attributes the program reads."""

    def __init__(self, region: str) -> None:
        self.region = region

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        name = args.inputs.get("name") or args.name
        arn = fake_arn(args.typ, name, self.region)
        if args.typ == "aws:lambda/alias:Alias":
            # A qualified ARN: the function's, then the alias name.
            function = args.inputs["functionName"]
            arn = f"{fake_arn('aws:lambda/function:Function', function, self.region)}:{name}"
        computed: dict[str, Any] = {"arn": arn, "name": name}
        by_type: dict[str, dict[str, Any]] = {
            "aws:dynamodb/table:Table": {"streamArn": f"{arn}/stream/2026-01-01T00:00:00.000"},
            # A function deployed with publish=True: the version that deploy published.
            "aws:lambda/function:Function": {"invokeArn": f"{arn}/invocations", "version": "1"},
            "aws:lambda/alias:Alias": {"invokeArn": f"{arn}/invocations"},
            "aws:apigateway/restApi:RestApi": {
                "rootResourceId": f"{args.name}-root",
                "executionArn": f"arn:aws:execute-api:{self.region}:{ACCOUNT}:{args.name}",
            },
            "aws:apigateway/stage:Stage": {
                "invokeUrl": f"https://{args.name}.execute-api.{self.region}.amazonaws.com/v1"
            },
            "aws:sqs/queue:Queue": {"url": f"https://sqs.{self.region}.example/{ACCOUNT}/{name}"},
            "aws:kms/key:Key": {"keyId": f"{args.name}-key-id"},
            "aws:appconfig/environment:Environment": {"environmentId": f"{args.name}-id"},
            "aws:appconfig/configurationProfile:ConfigurationProfile": {
                "configurationProfileId": f"{args.name}-id"
            },
            "aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion": {
                "versionNumber": 1
            },
            "aws:secretsmanager/secretVersion:SecretVersion": {"versionId": f"{args.name}-v1"},
        }
        extra = by_type.get(args.typ, {})
        return f"{args.name}-id", {**computed, **extra, **args.inputs}

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token == CALLER_IDENTITY:
            return {
                "accountId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:user/ci",
                "userId": "ci",
            }, []
        return {}, []


class RecordingMonitor(MockMonitor):
    """The mocks' monitor, also keeping which resources each one was declared to wait for."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.dependencies: dict[str, list[str]] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method's name
        urn = self.make_urn(request.parent, request.type, request.name)
        self.dependencies[urn] = list(request.dependencies)
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]


@dataclass(frozen=True, slots=True)
class Declared:
    """One registered resource: its URN (which holds its parents' types), type and state."""

    urn: str
    type: str
    name: str
    state: dict[str, Any]
    dependencies: tuple[str, ...] = ()  # the URNs of the resources it waits for

    @property
    def parents(self) -> list[str]:
        """The types of the components this resource sits in, outermost first."""
        return self.urn.split("::")[2].split("$")[:-1]


@dataclass
class Deployment:
    stack: str
    config: dict[str, Any]
    built: OrdersStack
    resources: list[Declared]
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, typ: str) -> list[Declared]:
        return [r for r in self.resources if r.type == typ]

    def one(self, typ: str, name_part: str = "") -> Declared:
        candidates = self.of_type(typ)
        found = [r for r in candidates if r.name == name_part] or [
            r for r in candidates if name_part in r.name
        ]
        if len(found) != 1:
            raise LookupError(f"expected one {typ} named *{name_part}*, got {found}")
        return found[0]

    def by_arn(self, arn: str) -> Declared:
        found = [r for r in self.resources if r.state.get("arn") == arn]
        if len(found) != 1:
            raise LookupError(f"no single resource has ARN {arn}")
        return found[0]

    def setting(self, key: str) -> Any:
        return self.config[f"{PROJECT}:{key}"]

    def role_policy(self, function: Declared) -> dict[str, Any]:
        """The inline policy document of ``function``'s role."""
        role = self.by_arn(function.state["role"])
        (policy,) = [
            p
            for p in self.of_type("aws:iam/rolePolicy:RolePolicy")
            if p.state["role"] == f"{role.name}-id"
        ]
        document: dict[str, Any] = json.loads(policy.state["policy"])
        return document


def unsecret(value: Any) -> Any:
    """The plain value inside Pulumi's secret wrappers, at any depth."""
    if isinstance(value, dict):
        if value.get(SIGNATURE_KEY) == SECRET_SIGNATURE:
            return unsecret(value["value"])
        return {key: unsecret(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unsecret(item) for item in value]
    return value


def stack_config(stack: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((PROGRAM / f"Pulumi.{stack}.yaml").read_text())
    return dict(loaded["config"])


def tiny_artifact(folder: Path) -> Path:
    """A small zip made by the real zip writer: the tests need its bytes, not real code."""
    source = folder / "source"
    (source / "orders_lambda").mkdir(parents=True)
    (source / "orders_lambda" / "__init__.py").write_text("")
    artifact.write_zip(source, folder / "code.zip")
    return folder / "code.zip"


def run_program(
    stack: str, artifact_path: Path, overrides: dict[str, Any] | None = None
) -> Deployment:
    """Declare the whole stack against the mocks and wait until every output has resolved.

    ``overrides`` replaces settings of the stack file (full keys, e.g. ``orders-service:api``).
    """
    config = {**stack_config(stack), **(overrides or {})}
    as_strings = {
        key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()
    }
    as_strings[f"{PROJECT}:artifactPath"] = str(artifact_path)
    as_strings[f"{PROJECT}:cursorKey"] = CURSOR_KEY
    pulumi.runtime.set_all_config(as_strings, [f"{PROJECT}:cursorKey"])
    mocks = FakeCloud(config["aws:region"])
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    holder: dict[str, OrdersStack] = {}
    outputs: dict[str, Any] = {}

    def keep(resolved: dict[str, Any]) -> dict[str, Any]:
        outputs.update(resolved)
        return resolved

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def declare() -> pulumi.Output[dict[str, Any]]:
        built = holder["built"] = define_stack()
        return pulumi.Output.all(
            api_url=built.api.url,
            orders_table=built.data.orders_table.name,
            payments_queue=built.events.payments_queue.name,
            event_bus=built.events.bus.name,
            user_pool_id=built.api.user_pool.id,
            user_pool_client_id=built.api.client.id,
            api_deployment_inputs=built.api.deployment_inputs,
        ).apply(keep)

    declare()
    resources = []
    for urn, registration in monitor.resources.items():
        _, _, qualified_type, name = urn.split("::")
        state = unsecret(dict(registration.state))
        waits_for = tuple(monitor.dependencies.get(urn, ()))
        resources.append(Declared(urn, qualified_type.split("$")[-1], name, state, waits_for))
    return Deployment(stack, config, holder["built"], resources, outputs)
