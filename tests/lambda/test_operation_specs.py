"""Each operation answers as its manifest spec says: its success status, and its If-Match rule
(428 without one where required, 412 when stale wherever it is read, ignored elsewhere). The
table is the manifest's operations, so a new operation is checked without a line here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from orders_adapters.memory import InMemoryOrderRepository
from orders_core.testing import UseCases
from orders_lambda.http import openapi
from orders_manifest.operations import OPERATIONS, ORDER_ID, IfMatch, Operation
from tests.support.apigw import Answer, Call
from tests.support.service import STAFF

ORDER_OPERATIONS = [o for o in OPERATIONS if o.authorized]
STALE = '"7"'  # a freshly placed order is at version 1
# The forward path of the lifecycle: an operation that refuses a PENDING order (409) is tried
# again one step further along, until it is accepted or the path ends.
FORWARD: tuple[Callable[[UseCases[InMemoryOrderRepository], str], Any], ...] = (
    lambda kit, order_id: kit.mark_paid(STAFF, order_id),
    lambda kit, order_id: kit.mark_shipped(STAFF, order_id),
    lambda kit, order_id: kit.mark_delivered(STAFF, order_id),
)


def _body(spec: Operation) -> Any:
    """The operation's first documented request example, when it takes a body."""
    if spec.body is None:
        return None
    operation = openapi.document()["paths"][spec.path][spec.method.lower()]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    return next(iter(examples.values()))["value"]


def _ask(call: Call, spec: Operation, order_id: str, **headers: str) -> Answer:
    path = spec.path.replace(ORDER_ID, order_id)
    body = _body(spec)
    return call(spec.method, path, headers=headers, **({"body": body} if body else {}))


def _where_accepted(
    call: Call, repo: InMemoryOrderRepository, spec: Operation, order_id: str, *, if_match: bool
) -> Answer:
    """The operation's answer on the order at the first status of the path that takes it."""
    kit = UseCases(repo)
    steps = iter(FORWARD)
    while True:
        version = kit.get(STAFF, order_id).version
        answer = _ask(call, spec, order_id, **({"If-Match": f'"{version}"'} if if_match else {}))
        step = next(steps, None)
        refused = answer.status == 409 and answer.error_code == "ILLEGAL_TRANSITION"
        if not refused or step is None:
            return answer
        step(kit, order_id)


@pytest.mark.parametrize("spec", ORDER_OPERATIONS, ids=lambda spec: spec.name)
def test_an_operation_succeeds_with_its_specs_status(
    call: Call, repo: InMemoryOrderRepository, placed: Answer, spec: Operation
) -> None:
    uses_if_match = spec.if_match is not IfMatch.IGNORED
    answer = _where_accepted(call, repo, spec, placed.json["id"], if_match=uses_if_match)
    assert answer.status == spec.success, answer.text


@pytest.mark.parametrize("spec", ORDER_OPERATIONS, ids=lambda spec: spec.name)
def test_an_operation_keeps_its_if_match_rule(
    call: Call, repo: InMemoryOrderRepository, placed: Answer, spec: Operation
) -> None:
    order_id = placed.json["id"]
    if spec.if_match is IfMatch.REQUIRED:
        answer = _ask(call, spec, order_id)
        assert (answer.status, answer.error_code) == (428, "PRECONDITION_REQUIRED")
    stale = _ask(call, spec, order_id, **{"If-Match": STALE})
    if spec.if_match is IfMatch.IGNORED:
        assert stale.status == spec.success, stale.text
    else:
        assert (stale.status, stale.error_code) == (412, "VERSION_CONFLICT")
        if spec.if_match is IfMatch.OPTIONAL:
            answer = _where_accepted(call, repo, spec, order_id, if_match=False)
            assert answer.status == spec.success, answer.text
