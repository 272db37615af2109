"""Each operation answers as its manifest spec says: its success status, and its If-Match rule
(428 without one where required, 412 when stale wherever it is read, ignored elsewhere). The
table is the manifest's operations, so a new operation is checked without a line here."""

from __future__ import annotations

from typing import Any

import pytest

from orders_lambda.http import openapi
from orders_manifest.operations import OPERATIONS, ORDER_ID, IfMatch, Operation
from tests.support.apigw import Answer, Call

ORDER_OPERATIONS = [o for o in OPERATIONS if o.authorized]
STALE = '"7"'  # a freshly placed order is at version 1


def _body(spec: Operation) -> Any:
    """The operation's first documented request example, when it takes a body."""
    if spec.body is None:
        return None
    operation = openapi.document()["paths"][spec.path][spec.method.lower()]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    return next(iter(examples.values()))["value"]


def _ask(call: Call, spec: Operation, placed: Answer, **headers: str) -> Answer:
    path = spec.path.replace(ORDER_ID, placed.json["id"])
    body = _body(spec)
    return call(spec.method, path, headers=headers, **({"body": body} if body else {}))


@pytest.mark.parametrize("spec", ORDER_OPERATIONS, ids=lambda spec: spec.name)
def test_an_operation_succeeds_with_its_specs_status(
    call: Call, placed: Answer, spec: Operation
) -> None:
    headers = {"If-Match": '"1"'} if spec.if_match is not IfMatch.IGNORED else {}
    answer = _ask(call, spec, placed, **headers)
    assert answer.status == spec.success, answer.text


@pytest.mark.parametrize("spec", ORDER_OPERATIONS, ids=lambda spec: spec.name)
def test_an_operation_keeps_its_if_match_rule(call: Call, placed: Answer, spec: Operation) -> None:
    if spec.if_match is IfMatch.REQUIRED:
        answer = _ask(call, spec, placed)
        assert (answer.status, answer.error_code) == (428, "PRECONDITION_REQUIRED")
    stale = _ask(call, spec, placed, **{"If-Match": STALE})
    if spec.if_match is IfMatch.IGNORED:
        assert stale.status == spec.success, stale.text
    else:
        assert (stale.status, stale.error_code) == (412, "VERSION_CONFLICT")
        if spec.if_match is IfMatch.OPTIONAL:
            assert _ask(call, spec, placed).status == spec.success
