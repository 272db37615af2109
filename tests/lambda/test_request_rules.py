"""The request schemas say exactly what the server accepts: where the OpenAPI document admits
a body, header or parameter, the server does, and where it refuses one, the document does."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from orders_core import InvalidInput, NewLine
from orders_core.use_cases import build_lines
from orders_lambda.http.models import CreateOrderRequest
from tests.support.apigw import STAFF, Call

_CREATE = jsonschema.Draft202012Validator(CreateOrderRequest.model_json_schema())


def _body(price: str = "12.50", currency: str = "EUR", **line: Any) -> dict[str, Any]:
    return {
        "currency": currency,
        "lines": [{"sku": "BOOK-42", "quantity": 2, "unit_price": price, **line}],
    }


def _server_accepts(body: dict[str, Any]) -> bool:
    try:
        parsed = CreateOrderRequest.model_validate(body)
        build_lines(
            [NewLine(ln.sku, ln.quantity, ln.unit_price) for ln in parsed.lines], parsed.currency
        )
    except (ValidationError, InvalidInput):
        return False
    return True


PRICES = st.from_regex(r"[0-9]{1,8}(\.[0-9]{0,4})?", fullmatch=True) | st.sampled_from(
    ["0", "0.00", "0.001", "1000000", "1000000.000", "1000000.001", "01", "12.500", "1e3"]
)


@settings(max_examples=400, deadline=None)
@given(price=PRICES, currency=st.sampled_from(["EUR", "JPY", "KWD", "ISK", "USD"]))
def test_the_schema_admits_a_price_exactly_when_the_server_does(price: str, currency: str) -> None:
    body = _body(price, currency)
    assert _CREATE.is_valid(body) == _server_accepts(body), (price, currency)


@settings(max_examples=300, deadline=None)
@given(sku=st.text(alphabet="AZaz09-_ ./é", min_size=0, max_size=34))
def test_the_schema_admits_a_sku_exactly_when_the_server_does(sku: str) -> None:
    body = _body(sku=sku)
    assert _CREATE.is_valid(body) == _server_accepts(body), sku


@pytest.mark.parametrize(
    ("quantity", "accepted"),
    [(1, True), (1.0, True), (1000.0, True), (1.5, False), (True, False), ("2", False), (0, False)],
)
def test_a_whole_number_is_a_quantity_however_json_writes_it(quantity: Any, accepted: bool) -> None:
    body = _body(quantity=quantity)
    assert _CREATE.is_valid(body) == accepted == _server_accepts(body)


def test_an_unsupported_currency_is_refused_by_schema_and_server() -> None:
    assert not _CREATE.is_valid(_body(currency="XXX"))
    assert not _server_accepts(_body(currency="XXX"))


def test_a_quantity_of_one_point_zero_places_an_order_of_one(call: Call) -> None:
    answer = call("POST", "/orders", body=_body(quantity=1.0))
    assert answer.status == 201, answer.text
    assert answer.json["lines"][0]["quantity"] == 1


def test_a_pattern_mismatch_says_the_rule_in_words(call: Call) -> None:
    answer = call("POST", "/orders", body=_body(price="0", sku="bad sku"))
    assert (answer.status, answer.error_code) == (422, "VALIDATION_FAILED")
    fields = answer.json["error"]["fields"]
    assert fields["lines[0].sku"].startswith("2-32 characters")
    assert fields["lines[0].unit_price"].startswith("a decimal string greater than 0")
    assert "^" not in answer.text  # no regular expression shown to the client


def test_too_many_decimals_for_the_currency_is_a_422_naming_the_line(call: Call) -> None:
    answer = call("POST", "/orders", body=_body(price="12.345"))
    assert (answer.status, answer.error_code) == (422, "VALIDATION_FAILED")
    assert set(answer.json["error"]["fields"]) == {"lines[0].unit_price"}


@pytest.mark.parametrize("value", ["*", "", '"1", "2"', "1", 'W/"x"'])
def test_if_match_is_one_etag_or_a_400(call: Call, value: str) -> None:
    placed = call("POST", "/orders", body=_body()).json["id"]
    answer = call("POST", f"/orders/{placed}/cancel", headers={"If-Match": value})
    assert (answer.status, answer.error_code) == (400, "BAD_REQUEST"), value
    assert set(answer.json["error"]["fields"]) == {"If-Match"}


def test_an_idempotency_key_with_a_space_is_a_400_naming_the_header(call: Call) -> None:
    answer = call("POST", "/orders", body=_body(), headers={"Idempotency-Key": "a b"})
    assert (answer.status, answer.error_code) == (400, "BAD_REQUEST")
    assert set(answer.json["error"]["fields"]) == {"Idempotency-Key"}


@pytest.mark.parametrize("customer_id", ["", "x" * 129])
def test_a_customer_id_outside_its_schema_is_a_400(call: Call, customer_id: str) -> None:
    answer = call("GET", "/orders", query={"customer_id": customer_id}, claims=STAFF)
    assert (answer.status, answer.error_code) == (400, "BAD_REQUEST")
    assert set(answer.json["error"]["fields"]) == {"customer_id"}
