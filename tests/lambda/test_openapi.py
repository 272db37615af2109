"""The OpenAPI document: generated from the code, committed, served with Swagger UI, and as
strict as the server (every code, status and example checked against the code that answers).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import jsonschema
from deploy_pulumi.orders_stack.api import GATEWAY_RESPONSES
from openapi_spec_validator import validate

from orders_core.money import MINOR_UNITS
from orders_lambda import routes
from orders_lambda.http import openapi
from orders_lambda.http.body_schemas import BODY_MODELS
from orders_lambda.http.errors import ERROR_TABLE, ApiError, ErrorCode, problem_for
from orders_lambda.http.models import CurrencyCode
from orders_local import environments
from orders_local.app import FUNCTION_FAILED
from orders_manifest import operations
from orders_manifest.operations import IfMatch
from tests.support.apigw import Call

SPEC_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
COMMON_STATUSES = {"400", "401", "403", "408", "413", "429", "431", "500", "502", "503", "504"}


def _operations() -> Iterator[tuple[routes.Route, dict[str, Any]]]:
    paths = openapi.document()["paths"]
    for route in routes.ORDER_ROUTES:
        yield route, paths[route.path][route.method.lower()]


def _resolve(node: Any) -> Any:
    """``node`` with every local $ref replaced by what it names."""
    document = openapi.document()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            target: Any = document
            for part in ref.removeprefix("#/").split("/"):
                target = target[part]
            return _resolve(target)
        return {key: _resolve(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(item) for item in node]
    return node


def _check(instance: Any, schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(
        _resolve(schema), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(instance)


def test_the_committed_spec_matches_the_code() -> None:
    # When this fails, the API changed: run `nox -s openapi` and review the diff.
    assert SPEC_FILE.read_text(encoding="utf-8") == openapi.render()
    assert openapi.main(["--check", str(SPEC_FILE)]) == 0


def test_the_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "openapi.json"
    stale.write_text("{}\n")
    assert openapi.main(["--check", str(stale)]) == 1
    assert openapi.main([str(stale)]) == 0
    assert openapi.main(["--check", str(stale)]) == 0


def test_the_spec_is_a_valid_openapi_document() -> None:
    validate(json.loads(SPEC_FILE.read_text(encoding="utf-8")))


def test_every_order_route_documents_every_answer_the_gateway_can_give() -> None:
    for route, operation in _operations():
        assert operation["operationId"] == route.name
        assert set(operation["responses"]) >= COMMON_STATUSES, route.name
        retry = operation["responses"]["429"]["headers"]["Retry-After"]
        assert retry["schema"] == {"type": "integer", "minimum": 0}
        assert "Retry-After" in operation["responses"]["503"]["headers"]
    patch = openapi.document()["paths"]["/orders/{order_id}"]["patch"]["responses"]
    assert patch["412"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorBody")


def test_each_operation_documents_its_specs_success_and_error_statuses() -> None:
    for route, operation in _operations():
        spec = operations.operation(route.name)
        statuses = {str(spec.success), *map(str, spec.error_statuses())} | COMMON_STATUSES
        assert set(operation["responses"]) == statuses, route.name
        has_body = "requestBody" in operation
        assert has_body is (spec.body is not None), route.name
        if_match = [p for p in operation.get("parameters", []) if p["name"] == "If-Match"]
        assert bool(if_match) is (spec.if_match is not IfMatch.IGNORED), route.name
        if if_match:
            assert if_match[0]["required"] is (spec.if_match is IfMatch.REQUIRED), route.name


def test_routes_outside_the_document_are_documented_once() -> None:
    common = openapi.document()["components"]["responses"]
    assert common["MethodNotAllowed"]["headers"]["Allow"]["required"] is True
    examples = common["RouteNotFound"]["content"]["application/json"]["examples"]
    assert set(examples) == {"ROUTE_NOT_FOUND"}


def test_every_error_code_has_one_documented_status() -> None:
    assert set(openapi.ERROR_CODES) == set(ErrorCode)
    schema = openapi.document()["components"]["schemas"]["ErrorCode"]
    assert schema["enum"] == [code.value for code in ErrorCode]


def _api_errors() -> Iterator[type[ApiError]]:
    pending: list[type[ApiError]] = [ApiError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls is not ApiError:
            yield cls


def test_the_http_errors_answer_the_status_documented_for_their_code() -> None:
    for cls in _api_errors():
        assert openapi.ERROR_CODES[cls.code].status == cls.status, cls
    for core_error in ERROR_TABLE:
        problem = problem_for(core_error("example"))
        assert openapi.ERROR_CODES[ErrorCode(problem.code)].status == problem.status, core_error


def test_the_local_gateway_answers_the_status_documented_for_its_code() -> None:
    answers = [
        FUNCTION_FAILED,
        environments.THROTTLED,
        environments.STOPPING,
        environments.ENVIRONMENT_LOST,
        environments.timed_out(30),
    ]
    for problem in answers:
        assert openapi.ERROR_CODES[ErrorCode(problem.code)].status == problem.status


def test_the_deployed_gateway_answers_only_documented_codes() -> None:
    for response_type, (status, code, _) in GATEWAY_RESPONSES.items():
        documented = openapi.ERROR_CODES[ErrorCode(code)]
        if status is not None:
            assert int(status) == documented.status, response_type


def test_each_error_example_is_a_valid_body_of_its_status() -> None:
    for route, operation in _operations():
        for status, response in operation["responses"].items():
            if int(status) < HTTPStatus.BAD_REQUEST:
                continue
            media = response["content"]["application/json"]
            assert media["examples"], (route.name, status)
            for name, example in media["examples"].items():
                assert example["value"]["error"]["code"] == name
                assert openapi.ERROR_CODES[ErrorCode(name)].status == int(status)
                _check(example["value"], media["schema"])


def test_each_success_example_is_a_valid_answer_and_each_request_example_is_accepted() -> None:
    for route, operation in _operations():
        for status, response in operation["responses"].items():
            if int(status) >= HTTPStatus.BAD_REQUEST or "content" not in response:
                continue
            media = response["content"]["application/json"]
            for example in media.get("examples", {}).values():
                _check(example["value"], media["schema"])
        body = operations.operation(route.name).body
        if body is not None:
            # A body is documented with an example, which tests/lambda/test_operation_specs.py
            # sends too.
            media = operation["requestBody"]["content"]["application/json"]
            assert media["examples"], route.name
            for example in media["examples"].values():
                _check(example["value"], media["schema"])
                BODY_MODELS[body].model_validate(example["value"])


def test_create_links_to_every_operation_on_the_new_order() -> None:
    create = openapi.document()["paths"]["/orders"]["post"]["responses"]["201"]
    targets = {link["operationId"] for link in create["links"].values()}
    assert targets == {"get_order", "update_order", "cancel_order", "delete_order"}
    update = create["links"]["UpdateOrder"]["parameters"]
    assert update == {
        "path.order_id": "$response.body#/id",
        "header.If-Match": "$response.header.ETag",
    }


def test_timestamps_are_date_times() -> None:
    order = openapi.document()["components"]["schemas"]["OrderOut"]["properties"]
    assert order["created_at"]["format"] == order["updated_at"]["format"] == "date-time"


def test_the_currency_enum_is_the_list_core_accepts() -> None:
    assert {code.value for code in CurrencyCode} == set(MINOR_UNITS)


def test_request_schemas_forbid_unknown_fields() -> None:
    schemas = openapi.document()["components"]["schemas"]
    for name in ("CreateOrderRequest", "UpdateOrderRequest", "LineIn"):
        assert schemas[name]["additionalProperties"] is False


def test_the_cognito_scheme_says_the_token_goes_without_a_prefix() -> None:
    scheme = openapi.document()["components"]["securitySchemes"]
    assert set(scheme) == {"cognito"}
    assert "no `Bearer ` prefix" in scheme["cognito"]["description"]


def test_the_spec_is_served_naming_the_url_it_was_fetched_from(call: Call) -> None:
    answer = call(
        "GET",
        "/openapi.json",
        claims=None,
        headers={"Host": "abc.execute-api.eu-west-1.amazonaws.com"},
        stage="v1",
    )
    assert answer.status == 200
    served = answer.json
    assert served.pop("servers") == [
        {"url": "https://abc.execute-api.eu-west-1.amazonaws.com/v1", "description": "This API"}
    ]
    committed = json.loads(openapi.render())
    del committed["servers"]
    assert served == committed


def test_a_host_header_that_is_not_a_host_name_is_not_echoed(call: Call) -> None:
    answer = call("GET", "/openapi.json", claims=None, headers={"Host": 'x"><script>'})
    assert answer.json["servers"][0]["url"] == "https://localhost/test"


def test_swagger_ui_is_served_from_bundled_assets(call: Call) -> None:
    page = call("GET", "/swagger", claims=None)
    assert page.status == 200
    assert page.header("Content-Type") == "text/html; charset=utf-8"
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js"):
        assert f'"swagger/{asset}"' in page.text
        served = call("GET", f"/swagger/{asset}", claims=None)
        assert served.status == 200
        assert len(served.text) > 10_000
    assert "SwaggerUIBundle" in call("GET", "/swagger/swagger-ui-bundle.js", claims=None).text
    assert call("GET", "/swagger/other.js", claims=None).status == 404
