"""Every route and its error paths, through the real entrypoints and the container."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from dependency_injector import providers

from orders_adapters.memory import InMemoryOrderRepository
from orders_core import (
    MAX_PAGE_SIZE,
    FixedDiscounts,
    MarkPaid,
    OrderId,
    Principal,
    StoreUnavailable,
)
from orders_lambda.container import Container
from orders_lambda.http.models import OrderOut, OrderPage
from tests.support.apigw import (
    NEW_ORDER,
    OTHER_CUSTOMER,
    PREMIUM,
    STAFF,
    Answer,
    Call,
    invoke,
    rest_event,
)
from tests.support.builders import placed_order
from tests.support.fakes import EPOCH, FrozenClock

STAFF_PRINCIPAL = Principal.staff("staff:tests")


def _order_id(answer: Answer) -> str:
    return str(answer.json["id"])


def _body(**changes: Any) -> dict[str, Any]:
    return {**NEW_ORDER, **changes}


# -- POST /orders ------------------------------------------------------------------------


def test_placing_an_order_answers_201_with_location_and_etag(placed: Answer) -> None:
    order = OrderOut.model_validate(placed.json)
    assert order.id == "order-000001"
    assert order.customer_id == "customer-1"
    assert order.status == "PENDING"
    assert (order.subtotal, order.total) == ("20.00", "20.00")
    assert placed.header("Location") == "/test/orders/order-000001"
    assert placed.header("ETag") == '"1"'
    assert placed.header("Content-Type") == "application/json"


def test_a_pending_order_shows_its_payment_deadline_until_it_is_paid_or_cancelled(
    call: Call, placed: Answer, container: Container
) -> None:
    # The stepping clock read once at placement: the deadline is 30 minutes after it.
    assert placed.json["payment_due"] == "2026-01-01T12:30:00.000000+00:00"
    assert placed.json["created_at"] == "2026-01-01T12:00:00.000000+00:00"
    path = f"/orders/{_order_id(placed)}"
    assert call("GET", path).json["payment_due"] == placed.json["payment_due"]
    assert "payment_due" not in call("POST", f"{path}/cancel").json
    assert "payment_due" not in call("GET", path).json
    paid = call("POST", "/orders", body=NEW_ORDER)
    MarkPaid(container.repo(), container.clock())(STAFF_PRINCIPAL, _order_id(paid))
    assert "payment_due" not in call("GET", f"/orders/{_order_id(paid)}").json


def test_a_premium_customer_gets_the_premium_discount(call: Call, container: Container) -> None:
    container.pricing.override(providers.Object(FixedDiscounts(premium=Decimal(10))))
    answer = call("POST", "/orders", body=NEW_ORDER, claims=PREMIUM)
    assert answer.status == 201
    assert answer.json["discounts"] == [{"code": "premium", "percent": "10.00"}]
    assert (answer.json["discount"], answer.json["total"]) == ("2.00", "18.00")


def test_a_base64_encoded_body_is_decoded(call: Call) -> None:
    assert call("POST", "/orders", body=NEW_ORDER, base64_body=True).status == 201


def test_malformed_json_is_a_400(call: Call) -> None:
    answer = call("POST", "/orders", raw_body='{"currency": "EUR", "lines": [')
    assert (answer.status, answer.error_code) == (400, "MALFORMED_JSON")


def test_non_finite_numbers_are_not_json(call: Call) -> None:
    answer = call("POST", "/orders", raw_body='{"currency": "EUR", "lines": NaN}')
    assert (answer.status, answer.error_code) == (400, "MALFORMED_JSON")


def test_unknown_fields_are_refused_and_each_is_named(call: Call) -> None:
    body = _body(status="PAID", total="0.00")
    body["lines"] = [{**NEW_ORDER["lines"][0], "discount": "5"}]
    answer = call("POST", "/orders", body=body)
    assert (answer.status, answer.error_code) == (422, "VALIDATION_FAILED")
    assert answer.json["error"]["fields"] == {
        "status": "unknown field",
        "total": "unknown field",
        "lines[0].discount": "unknown field",
    }


def test_wrong_types_are_a_422_naming_each_field(call: Call) -> None:
    body = _body(lines=[{"sku": "SKU-1", "quantity": "2", "unit_price": 10.5}])
    answer = call("POST", "/orders", body=body)
    assert answer.status == 422
    assert set(answer.json["error"]["fields"]) == {"lines[0].quantity", "lines[0].unit_price"}


def test_domain_rules_are_a_422_naming_the_field(call: Call) -> None:
    body = _body(lines=[{"sku": "bad sku", "quantity": 1, "unit_price": "1.00"}])
    answer = call("POST", "/orders", body=body)
    assert (answer.status, answer.error_code) == (422, "VALIDATION_FAILED")
    assert "lines[0].sku" in answer.json["error"]["fields"]


def test_an_unsupported_currency_is_a_422(call: Call) -> None:
    answer = call("POST", "/orders", body=_body(currency="XXX"))
    assert answer.status == 422
    assert "currency" in answer.json["error"]["fields"]


@pytest.mark.parametrize("body", [[], "text", None, {"lines": []}])
def test_a_body_that_is_not_an_order_is_a_422(call: Call, body: object) -> None:
    raw = json.dumps(body) if body is not None else None
    event_body: dict[str, Any] = {"raw_body": raw} if raw is not None else {}
    answer = call("POST", "/orders", **event_body)
    assert answer.status == 422
    assert answer.json["error"]["fields"]


def test_an_oversized_body_is_a_413(call: Call) -> None:
    answer = call("POST", "/orders", raw_body=json.dumps(_body(note="x" * 70_000)))
    assert (answer.status, answer.error_code) == (413, "PAYLOAD_TOO_LARGE")


def test_an_oversized_base64_body_is_a_413(call: Call) -> None:
    raw = json.dumps(_body(note="x" * 70_000))
    answer = call("POST", "/orders", raw_body=raw, base64_body=True)
    assert answer.status == 413


def test_a_body_in_another_media_type_is_a_415(call: Call) -> None:
    answer = call("POST", "/orders", body=NEW_ORDER, headers={"Content-Type": "text/plain"})
    assert (answer.status, answer.error_code) == (415, "UNSUPPORTED_MEDIA_TYPE")


def test_staff_do_not_place_orders(call: Call) -> None:
    answer = call("POST", "/orders", body=NEW_ORDER, claims=STAFF)
    assert (answer.status, answer.error_code) == (403, "PERMISSION_DENIED")


@pytest.mark.parametrize("claims", [None, {}, {"email": "ann@example.com"}, {"sub": ""}])
def test_a_caller_without_claims_is_a_401(call: Call, claims: dict[str, str] | None) -> None:
    answer = call("POST", "/orders", body=NEW_ORDER, claims=claims)
    assert (answer.status, answer.error_code) == (401, "UNAUTHENTICATED")


# -- GET /orders/{order_id} ---------------------------------------------------------------


def test_reading_an_order_answers_its_etag(call: Call, placed: Answer) -> None:
    answer = call("GET", f"/orders/{_order_id(placed)}")
    assert answer.status == 200
    assert answer.json == placed.json
    assert answer.header("ETag") == '"1"'


def test_another_customers_order_is_not_found(call: Call, placed: Answer) -> None:
    answer = call("GET", f"/orders/{_order_id(placed)}", claims=OTHER_CUSTOMER)
    missing = call("GET", "/orders/no-such-order", claims=OTHER_CUSTOMER)
    assert (answer.status, answer.error_code) == (404, "ORDER_NOT_FOUND")
    assert answer.json["error"]["message"].replace(_order_id(placed), "?") == missing.json["error"][
        "message"
    ].replace("no-such-order", "?")


def test_staff_read_any_order(call: Call, placed: Answer) -> None:
    assert call("GET", f"/orders/{_order_id(placed)}", claims=STAFF).status == 200


def test_cognito_groups_may_also_come_as_a_list_or_comma_text(call: Call, placed: Answer) -> None:
    for groups in ("staff", "ops,staff"):
        claims = {"sub": "staff-2", "cognito:groups": groups}
        assert call("GET", f"/orders/{_order_id(placed)}", claims=claims).status == 200


# -- GET /orders --------------------------------------------------------------------------


def _place(call: Call, count: int, **event: Any) -> list[str]:
    return [_order_id(call("POST", "/orders", body=NEW_ORDER, **event)) for _ in range(count)]


def test_listing_walks_the_callers_orders_newest_first(call: Call) -> None:
    mine = _place(call, 3)
    _place(call, 2, claims=OTHER_CUSTOMER)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = OrderPage.model_validate(call("GET", "/orders", query=query).json)
        seen += [item.id for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == list(reversed(mine))


def test_listing_filters_by_status(call: Call) -> None:
    first, second = _place(call, 2)
    call("POST", f"/orders/{first}/cancel")
    answer = call("GET", "/orders", query={"status": "CANCELLED"})
    assert [item["id"] for item in answer.json["items"]] == [first]
    assert second not in answer.text


def test_a_status_is_spelled_as_the_api_writes_it(call: Call) -> None:
    answer = call("GET", "/orders", query={"status": "cancelled"})
    assert (answer.status, answer.error_code) == (400, "BAD_REQUEST")
    assert "CANCELLED" in answer.json["error"]["fields"]["status"]


def test_a_limit_above_the_maximum_is_refused_rather_than_capped(call: Call) -> None:
    for limit in ("101", "00000000101", "9" * 30, "9" * 5000):
        answer = call("GET", "/orders", query={"limit": limit})
        assert (answer.status, answer.error_code) == (400, "BAD_REQUEST"), limit
        assert answer.json["error"]["fields"] == {"limit": f"1 to {MAX_PAGE_SIZE}"}


def test_the_maximum_limit_is_a_full_page(call: Call, repo: InMemoryOrderRepository) -> None:
    for index in range(MAX_PAGE_SIZE + 5):
        order, event = placed_order(f"bulk-{index:04d}", "customer-1", at=EPOCH)
        repo.add(order, [event])
    answer = call("GET", "/orders", query={"limit": str(MAX_PAGE_SIZE)})
    assert answer.status == 200
    assert len(answer.json["items"]) == MAX_PAGE_SIZE
    assert answer.json["next_cursor"]


def test_leading_zeros_do_not_change_the_limit(call: Call, repo: InMemoryOrderRepository) -> None:
    for index in range(8):
        order, event = placed_order(f"zero-{index}", "customer-1", at=EPOCH)
        repo.add(order, [event])
    answer = call("GET", "/orders", query={"limit": "0000000005"})
    assert (answer.status, len(answer.json["items"])) == (200, 5)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "-5"}, "limit"),
        ({"limit": "²"}, "limit"),
        ({"limit": "٣"}, "limit"),
        ({"limit": "000"}, "limit"),
        ({"status": "LOST"}, "status"),
    ],
)
def test_bad_query_parameters_are_a_400(call: Call, query: dict[str, str], field: str) -> None:
    answer = call("GET", "/orders", query=query)
    assert (answer.status, answer.error_code) == (400, "BAD_REQUEST")
    assert field in answer.json["error"]["fields"]


def test_a_tampered_cursor_is_a_400(call: Call) -> None:
    _place(call, 3)
    cursor = call("GET", "/orders", query={"limit": "1"}).json["next_cursor"]
    body, _, signature = cursor.partition(".")
    tampered = f"{body[:-2]}AA.{signature}"
    for bad in (tampered, "not-a-cursor"):
        answer = call("GET", "/orders", query={"cursor": bad})
        assert (answer.status, answer.error_code) == (400, "INVALID_CURSOR")


def test_another_customers_cursor_is_a_400(call: Call) -> None:
    _place(call, 3)
    cursor = call("GET", "/orders", query={"limit": "1"}).json["next_cursor"]
    answer = call("GET", "/orders", query={"cursor": cursor}, claims=OTHER_CUSTOMER)
    assert (answer.status, answer.error_code) == (400, "INVALID_CURSOR")


def test_staff_list_a_named_customers_orders(call: Call) -> None:
    mine = _place(call, 2)
    answer = call("GET", "/orders", query={"customer_id": "customer-1"}, claims=STAFF)
    assert [item["id"] for item in answer.json["items"]] == list(reversed(mine))
    unnamed = call("GET", "/orders", claims=STAFF)
    assert (unnamed.status, unnamed.error_code) == (400, "BAD_REQUEST")
    assert unnamed.json["error"]["fields"] == {"customer_id": "required for staff"}


def test_customers_naming_another_customer_list_nothing(call: Call) -> None:
    answer = call("GET", "/orders", query={"customer_id": "customer-2"})
    assert answer.status == 200
    assert answer.json == {"items": [], "next_cursor": None}


# -- PATCH /orders/{order_id} -------------------------------------------------------------

NEW_LINES = {"lines": [{"sku": "SKU-2", "quantity": 1, "unit_price": "5.50"}]}


def test_updating_needs_if_match(call: Call, placed: Answer) -> None:
    answer = call("PATCH", f"/orders/{_order_id(placed)}", body=NEW_LINES)
    assert (answer.status, answer.error_code) == (428, "PRECONDITION_REQUIRED")


def test_updating_with_the_current_etag_replaces_the_lines(call: Call, placed: Answer) -> None:
    path = f"/orders/{_order_id(placed)}"
    answer = call("PATCH", path, body=NEW_LINES, headers={"If-Match": '"1"'})
    assert answer.status == 200
    assert answer.header("ETag") == '"2"'
    assert answer.json["lines"][0]["sku"] == "SKU-2"
    assert answer.json["total"] == "5.50"
    weak = call("PATCH", path, body=NEW_LINES, headers={"if-match": 'W/"2"'})
    assert weak.header("ETag") == '"3"'


def test_a_stale_etag_is_a_412(call: Call, placed: Answer) -> None:
    path = f"/orders/{_order_id(placed)}"
    call("PATCH", path, body=NEW_LINES, headers={"If-Match": '"1"'})
    answer = call("PATCH", path, body=NEW_LINES, headers={"If-Match": '"1"'})
    assert (answer.status, answer.error_code) == (412, "VERSION_CONFLICT")


@pytest.mark.parametrize("value", ["1x", '"one"', "*", '"1", "2"'])
def test_an_unreadable_if_match_is_a_400(call: Call, placed: Answer, value: str) -> None:
    path = f"/orders/{_order_id(placed)}"
    answer = call("PATCH", path, body=NEW_LINES, headers={"If-Match": value})
    assert (answer.status, answer.error_code) == (400, "BAD_REQUEST")


def test_updating_an_order_that_is_not_pending_is_a_409(call: Call, placed: Answer) -> None:
    path = f"/orders/{_order_id(placed)}"
    call("POST", f"{path}/cancel")
    answer = call("PATCH", path, body=NEW_LINES, headers={"If-Match": '"2"'})
    assert (answer.status, answer.error_code) == (409, "ILLEGAL_TRANSITION")


def test_an_update_cannot_set_status_or_currency(call: Call, placed: Answer) -> None:
    body = {**NEW_LINES, "status": "PAID", "currency": "USD"}
    path = f"/orders/{_order_id(placed)}"
    answer = call("PATCH", path, body=body, headers={"If-Match": '"1"'})
    assert answer.status == 422
    assert set(answer.json["error"]["fields"]) == {"status", "currency"}


def test_another_customer_cannot_update(call: Call, placed: Answer) -> None:
    path = f"/orders/{_order_id(placed)}"
    headers = {"If-Match": '"1"'}
    answer = call("PATCH", path, body=NEW_LINES, headers=headers, claims=OTHER_CUSTOMER)
    assert answer.status == 404


# -- POST /orders/{order_id}/cancel -------------------------------------------------------


def test_cancelling_answers_the_cancelled_order(call: Call, placed: Answer) -> None:
    answer = call("POST", f"/orders/{_order_id(placed)}/cancel")
    assert answer.status == 200
    assert answer.json["status"] == "CANCELLED"
    assert answer.header("ETag") == '"2"'


def test_cancelling_twice_is_a_409(call: Call, placed: Answer) -> None:
    path = f"/orders/{_order_id(placed)}/cancel"
    call("POST", path)
    answer = call("POST", path)
    assert (answer.status, answer.error_code) == (409, "ILLEGAL_TRANSITION")


def test_cancelling_with_a_stale_etag_is_a_412(call: Call, placed: Answer) -> None:
    path = f"/orders/{_order_id(placed)}"
    call("PATCH", path, body=NEW_LINES, headers={"If-Match": '"1"'})
    answer = call("POST", f"{path}/cancel", headers={"If-Match": '"1"'})
    assert answer.status == 412


# -- DELETE /orders/{order_id} ------------------------------------------------------------


def test_deleting_answers_204_and_the_order_is_gone(call: Call, placed: Answer) -> None:
    path = f"/orders/{_order_id(placed)}"
    answer = call("DELETE", path)
    assert (answer.status, answer.text) == (204, "")
    assert call("GET", path).status == 404
    assert call("DELETE", path).status == 404


def test_deleting_a_paid_order_is_a_409(
    call: Call, placed: Answer, repo: InMemoryOrderRepository
) -> None:
    MarkPaid(repo, FrozenClock())(Principal.staff("payments"), OrderId(_order_id(placed)))
    answer = call("DELETE", f"/orders/{_order_id(placed)}")
    assert (answer.status, answer.error_code) == (409, "ILLEGAL_TRANSITION")


# -- routing and the error shape ----------------------------------------------------------


def test_an_unknown_route_is_a_404_in_the_error_shape(call: Call) -> None:
    answer = call("GET", "/customers")
    assert (answer.status, answer.error_code) == (404, "ROUTE_NOT_FOUND")


def test_a_wrong_method_is_a_405_with_allow(call: Call) -> None:
    answer = call("PUT", "/orders/order-1")
    assert (answer.status, answer.error_code) == (405, "METHOD_NOT_ALLOWED")
    assert answer.header("Allow") == "GET, PATCH, DELETE"


def test_every_error_carries_the_request_id(call: Call, context: Any) -> None:
    event = rest_event("GET", "/orders/missing")
    answer = invoke(event, context)
    assert set(answer.json) == {"error"}
    assert answer.json["error"]["request_id"] == event["requestContext"]["requestId"]
    assert set(answer.json["error"]) == {"code", "message", "request_id"}


class _BrokenRepo(InMemoryOrderRepository):
    def get(self, order_id: OrderId) -> Any:
        raise RuntimeError("connection string secret=hunter2 at /srv/app.py line 9")


def test_an_unexpected_error_is_a_generic_500_without_details(
    call: Call, container: Container
) -> None:
    container.repo.override(providers.Object(_BrokenRepo()))
    answer = call("GET", "/orders/order-1")
    assert (answer.status, answer.error_code) == (500, "INTERNAL_ERROR")
    assert "hunter2" not in answer.text
    assert "Traceback" not in answer.text
    assert "app.py" not in answer.text


class _UnavailableRepo(InMemoryOrderRepository):
    def get(self, order_id: OrderId) -> Any:
        raise StoreUnavailable("throttled by table orders-prod in account 1234")


def test_an_unavailable_store_is_a_503_with_retry_after(call: Call, container: Container) -> None:
    container.repo.override(providers.Object(_UnavailableRepo()))
    answer = call("GET", "/orders/order-1")
    assert (answer.status, answer.error_code) == (503, "STORE_UNAVAILABLE")
    assert answer.header("Retry-After") == "1"
    assert "1234" not in answer.text


def test_amounts_are_decimal_strings(placed: Answer) -> None:
    assert all(isinstance(placed.json[k], str) for k in ("subtotal", "discount", "total"))


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_path_that_cannot_be_an_order_id_is_a_404(call: Call, method: str) -> None:
    answer = call(method, "/orders/not%20an!id")
    assert (answer.status, answer.error_code) == (404, "ORDER_NOT_FOUND")
