"""The one error table, read as a table: each error, its status and code."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from orders_core import (
    CurrencyMismatch,
    IllegalTransition,
    InvalidCursor,
    InvalidInput,
    OrderAlreadyExists,
    OrderNotFound,
    OrdersError,
    PaymentMismatch,
    PermissionDenied,
    StoreError,
    StoreUnavailable,
    VersionConflict,
)
from orders_core.idempotency import IdempotencyKeyReused as KeyReused
from orders_core.idempotency import ReplayUnavailable
from orders_lambda.http import errors
from orders_lambda.http.errors import ERROR_TABLE, problem_for

EXPECTED: list[tuple[BaseException, int, str]] = [
    # One code for every 422 of a body that breaks a rule, whoever found it.
    (InvalidInput("bad", {"lines[0].sku": "pattern"}), 422, "VALIDATION_FAILED"),
    (CurrencyMismatch("mixed"), 422, "VALIDATION_FAILED"),
    (KeyReused("other order"), 422, "IDEMPOTENCY_KEY_REUSED"),
    (ReplayUnavailable("changed"), 409, "IDEMPOTENCY_REPLAY_UNAVAILABLE"),
    (OrderNotFound("gone"), 404, "ORDER_NOT_FOUND"),
    (OrderAlreadyExists("dup"), 409, "ORDER_ALREADY_EXISTS"),
    (VersionConflict("stale"), 412, "VERSION_CONFLICT"),
    (IllegalTransition("no"), 409, "ILLEGAL_TRANSITION"),
    (PermissionDenied("no"), 403, "PERMISSION_DENIED"),
    (InvalidCursor("bad"), 400, "INVALID_CURSOR"),
    (StoreUnavailable("down"), 503, "STORE_UNAVAILABLE"),
    (errors.BadRequest("bad"), 400, "BAD_REQUEST"),
    (errors.MalformedJson("bad"), 400, "MALFORMED_JSON"),
    (errors.Unauthenticated("who"), 401, "UNAUTHENTICATED"),
    (errors.RouteNotFound("where"), 404, "ROUTE_NOT_FOUND"),
    (errors.MethodNotAllowed("how"), 405, "METHOD_NOT_ALLOWED"),
    (errors.IdempotencyInProgress("wait"), 409, "IDEMPOTENCY_IN_PROGRESS"),
    (errors.PayloadTooLarge("big"), 413, "PAYLOAD_TOO_LARGE"),
    (errors.UnsupportedMediaType("xml"), 415, "UNSUPPORTED_MEDIA_TYPE"),
    (errors.ValidationFailed("bad"), 422, "VALIDATION_FAILED"),
    (errors.IdempotencyKeyReused("other"), 422, "IDEMPOTENCY_KEY_REUSED"),
    (errors.PreconditionRequired("if-match"), 428, "PRECONDITION_REQUIRED"),
    # Not a code HTTP clients are told of: answered as the error it is mapped as.
    (PaymentMismatch("short"), 409, "ILLEGAL_TRANSITION"),
    (StoreError("AccessDeniedException"), 500, "INTERNAL_ERROR"),
    (OrdersError("unmapped"), 500, "INTERNAL_ERROR"),
    (RuntimeError("boom"), 500, "INTERNAL_ERROR"),
    (KeyError("x"), 500, "INTERNAL_ERROR"),
]


@pytest.mark.parametrize(
    ("error", "status", "code"), EXPECTED, ids=[type(e[0]).__name__ for e in EXPECTED]
)
def test_each_error_has_its_status_and_code(error: BaseException, status: int, code: str) -> None:
    problem = problem_for(error)
    assert (problem.status, problem.code) == (status, code)
    body = problem.body("req-1")["error"]
    assert body["request_id"] == "req-1"
    assert body["code"] == code


def test_every_core_error_in_the_table_is_covered_above() -> None:
    covered = {type(error) for error, _, _ in EXPECTED}
    assert set(ERROR_TABLE) <= covered


def test_only_validation_errors_carry_fields() -> None:
    assert problem_for(InvalidInput("bad", {"currency": "unknown"})).body(None)["error"][
        "fields"
    ] == {"currency": "unknown"}
    assert "fields" not in problem_for(OrderNotFound("x")).body(None)["error"]


def test_unexpected_errors_say_nothing_of_their_cause() -> None:
    problem = problem_for(RuntimeError("password=hunter2"))
    assert "hunter2" not in problem.message
    assert problem.unexpected


def test_a_store_that_refuses_is_not_told_to_the_client_as_retry_later() -> None:
    problem = problem_for(StoreError("DynamoDB refused the request (GetItem: AccessDenied)"))
    assert "AccessDenied" not in problem.message
    assert "Retry-After" not in problem.headers


def test_a_proxy_response_has_the_same_shape() -> None:
    response = problem_for(errors.RouteNotFound("no route")).proxy_response("req-9")
    assert response["statusCode"] == HTTPStatus.NOT_FOUND
    assert response["headers"]["Content-Type"] == "application/json"
    assert '"request_id":"req-9"' in response["body"]
