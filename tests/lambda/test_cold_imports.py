"""Entrypoints that validate no request body answer without building the pydantic models:
building them is part of every cold start that imports them."""

from __future__ import annotations

import json

import pytest

from orders_manifest.operations import OPERATIONS, ORDER_ID
from tests.support.scripts import run_script

_SERVE_ONE = """
    import json, os, sys
    os.environ.update(ORDERS_STORE="memory", ORDERS_CURSOR_KEY="k" * 40)
    import orders_lambda.entrypoints.{module} as entrypoint
    from tests.support.apigw import FakeLambdaContext, rest_event
    answer = entrypoint.handler(rest_event({method!r}, {path!r}), FakeLambdaContext())
    print(json.dumps({{
        "status": answer["statusCode"],
        "models": "orders_lambda.http.models" in sys.modules,
    }}))
"""


# Every order operation without a request body, asked about an order that does not exist
# (404) or, with no order in its path, answering its success status.
WITHOUT_A_BODY = [
    (
        o.function,
        o.method,
        o.path.replace(ORDER_ID, "x"),
        404 if ORDER_ID in o.path else o.success,
    )
    for o in OPERATIONS
    if o.authorized and o.body is None
]


@pytest.mark.parametrize(("module", "method", "path", "status"), WITHOUT_A_BODY)
def test_an_entrypoint_without_a_request_body_builds_no_pydantic_models(
    module: str, method: str, path: str, status: int
) -> None:
    script = _SERVE_ONE.format(module=module, method=method, path=path)
    outcome = json.loads(run_script(script).splitlines()[-1])
    assert outcome == {"status": status, "models": False}
