"""The OpenAPI document: generated from the code, committed, and served with Swagger UI."""

from __future__ import annotations

import json
from pathlib import Path

from orders_lambda import routes
from orders_lambda.http import openapi
from tests.support.apigw import Call

SPEC_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


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


def test_every_order_route_is_documented_with_its_errors() -> None:
    paths = openapi.document()["paths"]
    for route in routes.ORDER_ROUTES:
        operation = paths[route.path][route.method.lower()]
        assert operation["operationId"] == route.name
        assert {"401", "500"} <= set(operation["responses"])
    patch = paths["/orders/{order_id}"]["patch"]["responses"]
    assert {"200", "412", "422", "428"} <= set(patch)
    assert patch["412"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorBody")


def test_request_schemas_forbid_unknown_fields() -> None:
    schemas = openapi.document()["components"]["schemas"]
    for name in ("CreateOrderRequest", "UpdateOrderRequest", "LineIn"):
        assert schemas[name]["additionalProperties"] is False


def test_the_spec_is_served(call: Call) -> None:
    answer = call("GET", "/openapi.json", claims=None)
    assert answer.status == 200
    assert answer.json == json.loads(openapi.render())


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
