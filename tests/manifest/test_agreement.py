"""The service manifest states what the runtime does: each fact it holds is checked here
against the code that acts on it, so deploy_pulumi, which reads only the manifest, cannot
drift from the functions."""

from __future__ import annotations

import os
from pathlib import Path
from typing import get_args

import pytest
from aws_lambda_powertools.utilities.feature_flags.schema import RuleAction

from orders_adapters import appconfig
from orders_core import CustomerTier, EventType, Role
from orders_lambda import metric_names, outbox, settings
from orders_lambda.consumers import payments, shipments
from orders_lambda.http import body_schemas, errors
from orders_manifest import environment, events, flags, metrics, schemas
from orders_manifest.errors import STATUS, ErrorCode
from orders_manifest.operations import OPERATIONS

# The settings model of the functions: what every function reads, the publisher's bus included.
MODELS = (settings.Settings,)


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith(("ORDERS_", "POWERTOOLS_")):
            monkeypatch.delenv(name)
    return monkeypatch


def test_the_manifest_names_every_setting_the_functions_read() -> None:
    assert {field for model in MODELS for field in model.model_fields} == environment.FIELDS


def test_each_variable_is_the_one_the_settings_model_reads() -> None:
    for field in settings.Settings.model_fields:
        assert environment.variable(field) == settings.env_name(field), field
    with pytest.raises(KeyError, match="tabel_name"):
        environment.variable("tabel_name")


def test_the_defaults_the_deployment_builds_on_are_the_models_defaults() -> None:
    for field, default in environment.DEFAULTS.items():
        (model,) = [m for m in MODELS if field in m.model_fields]
        assert model.model_fields[field].default == default, field
    assert settings.StoreKind.DYNAMODB.value == environment.DYNAMODB_STORE
    assert settings.FlagsSource.APPCONFIG.value == environment.APPCONFIG_FLAGS


@pytest.mark.parametrize(("chosen", "needed"), sorted(environment.REQUIRED_WITH.items()))
def test_what_the_manifest_calls_required_the_settings_model_requires(
    clean: pytest.MonkeyPatch, chosen: tuple[str, str], needed: tuple[str, ...]
) -> None:
    complete = {
        "ORDERS_STORE": "memory",
        environment.variable(chosen[0]): chosen[1],
        **{environment.variable(field): "set" for field in needed},
    }
    for name, value in complete.items():
        clean.setenv(name, value)
    settings.load_settings()
    assert environment.missing(complete) == []
    for field in needed:
        name = environment.variable(field)
        clean.setenv(name, "")
        with pytest.raises(settings.SettingsError, match=name):
            settings.load_settings()
        assert environment.missing({**complete, name: ""}) == [name]
        clean.setenv(name, "set")


def test_metric_names_and_flag_failure_reasons_are_the_runtimes() -> None:
    assert metrics.FLAG_FAILURE_REASONS == appconfig.FAILURE_REASONS
    assert metric_names.FLAG_FAILURES == metrics.FLAG_FAILURES


def test_event_sources_types_and_consumers_are_the_consumers_and_publishers() -> None:
    # The consumers name the manifest's constants; their models spell the types out as
    # Literals, which must be the same.
    assert get_args(payments.PaymentCompleted.model_fields["type"].annotation) == (
        events.PAYMENT_COMPLETED,
    )
    assert get_args(shipments.ShipmentType) == events.SHIPMENT_EVENT_TYPES
    assert events.CONSUMERS == (payments.CONSUMER, shipments.CONSUMER)
    assert settings.Settings.model_fields["event_source"].default == events.ORDERS_SOURCE
    assert EventType.ORDER_PLACED.value == events.ORDER_PLACED
    assert events.STREAM_INSERT == outbox.INSERT


def test_the_flags_rules_see_the_tiers_and_roles_core_has_and_powertools_actions() -> None:
    assert {
        "tier": {tier.value for tier in CustomerTier},
        "role": {role.value for role in Role},
    } == flags.CONTEXT_VALUES
    assert {action.value for action in RuleAction} == flags.RULE_ACTIONS


BAD_DOCUMENTS = [
    {"premium_discount": {"boolean_type": False, "default": 101}},
    {"premium_discount": {"boolean_type": True, "default": False}},
    {"campaign_discount": {"boolean_type": False}},
    {
        "premium_discount": {
            "boolean_type": False,
            "default": False,
            "rules": {"r": {"when_match": 5, "conditions": []}},
        }
    },
    {
        "premium_discount": {
            "boolean_type": False,
            "default": False,
            "rules": {
                "r": {
                    "when_match": 5,
                    "conditions": [{"action": "EQUALZ", "key": "tier", "value": "premium"}],
                }
            },
        }
    },
    {
        "premium_discount": {
            "boolean_type": False,
            "default": False,
            "rules": {
                "r": {
                    "when_match": 5,
                    "conditions": [{"action": "EQUALS", "key": "tier", "value": "gold"}],
                }
            },
        }
    },
    {"other_feature": "on"},
    ["premium_discount"],
]


@pytest.mark.parametrize("document", BAD_DOCUMENTS)
def test_a_document_the_runtime_refuses_the_deployments_check_refuses(document: object) -> None:
    with pytest.raises(flags.InvalidFlagsDocument):
        appconfig.validate_flags_document(document)
    with pytest.raises(flags.InvalidFlagsDocument):
        flags.check_discount_flags(document)


def test_the_default_document_passes_both_checks() -> None:
    document = flags.default_flags_document()
    assert appconfig.validate_flags_document(document) == flags.check_discount_flags(document)


def test_every_error_code_has_its_status_and_the_http_layer_uses_the_manifests_codes() -> None:
    assert errors.ErrorCode is ErrorCode
    assert set(STATUS) == set(ErrorCode)
    for error in errors.ApiError.__subclasses__():
        assert int(error.status) == STATUS[error.code], error.__name__
    for mapping in errors.ERROR_TABLE.values():
        if mapping.code is not None:
            assert int(mapping.status) == STATUS[mapping.code]


def test_the_committed_body_schemas_are_the_models_schemas() -> None:
    for name, text in body_schemas.rendered().items():
        model = name.removesuffix(".json")
        assert schemas.render(schemas.body_schema(model)) == text, f"run: nox -s openapi ({name})"
    assert body_schemas.main(["--check"]) == 0


def test_the_schema_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    assert body_schemas.main([str(tmp_path)]) == 0
    assert body_schemas.main(["--check", str(tmp_path)]) == 0
    stale = tmp_path / "CreateOrderRequest.json"
    stale.write_text(stale.read_text().replace('"additionalProperties": false', '"x": 1'))
    assert body_schemas.main(["--check", str(tmp_path)]) == 1


def test_every_body_an_operation_names_is_a_model_of_the_runtime() -> None:
    named = {o.body for o in OPERATIONS if o.body is not None}
    assert named == set(body_schemas.BODY_MODELS)
