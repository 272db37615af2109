"""What a caller of orders_core can read and rely on: the rules exported, every use case's
call documented, and every mistake a caller can make answered with an OrdersError."""

from __future__ import annotations

import inspect
import itertools
import pydoc
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest

import orders_core
from orders_adapters.memory import InMemoryOrderRepository
from orders_core import (
    CURRENCY_MINOR_UNITS,
    MAX_LINES,
    MAX_QUANTITY,
    MAX_TOTAL_DISCOUNT_PERCENT,
    MAX_UNIT_PRICE,
    SKU_PATTERN,
    SUPPORTED_CURRENCIES,
    CancelOrder,
    DeleteOrder,
    GetOrder,
    IllegalTransition,
    InvalidInput,
    ListOrders,
    MarkDelivered,
    MarkPaid,
    MarkShipped,
    NewLine,
    OrdersError,
    OrderStatus,
    PlaceOrder,
    Principal,
    UpdateOrderLines,
    VersionConflict,
)
from orders_core.testing import OrderBuilder, UseCases

USE_CASES = (
    PlaceOrder,
    GetOrder,
    ListOrders,
    UpdateOrderLines,
    CancelOrder,
    DeleteOrder,
    MarkPaid,
    MarkShipped,
    MarkDelivered,
)
ALICE = Principal.customer("alice")


def test_the_rules_are_exported_with_the_values_the_readme_states() -> None:
    assert (100, 1_000, Decimal(1_000_000)) == (MAX_LINES, MAX_QUANTITY, MAX_UNIT_PRICE)
    assert MAX_TOTAL_DISCOUNT_PERCENT == 50
    assert len(SUPPORTED_CURRENCIES) == 25
    assert set(CURRENCY_MINOR_UNITS) == SUPPORTED_CURRENCIES
    assert (CURRENCY_MINOR_UNITS["EUR"], CURRENCY_MINOR_UNITS["JPY"]) == (2, 0)
    assert SKU_PATTERN.fullmatch("BOOK-42")
    assert not SKU_PATTERN.fullmatch("-BOOK")


def test_the_supported_currencies_cannot_be_changed_through_the_export() -> None:
    with pytest.raises(TypeError):
        CURRENCY_MINOR_UNITS["XXX"] = 2  # type: ignore[index]


def test_every_exported_name_is_documented_in_the_package_listing() -> None:
    assert sorted(orders_core.__all__) == sorted(set(orders_core.__all__))
    for name in orders_core.__all__:
        assert hasattr(orders_core, name), name


@pytest.mark.parametrize("use_case", USE_CASES, ids=lambda c: c.__name__)
def test_help_on_every_use_case_documents_its_call(use_case: type) -> None:
    call = inspect.getdoc(use_case.__call__)
    assert call is not None
    assert "Call self as a function" not in call
    assert "raises" in call.lower()
    assert "return" in call.lower()
    rendered = pydoc.render_doc(use_case, renderer=pydoc.TextDoc())
    assert "Call self as a function" not in rendered


def test_an_empty_principal_id_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as raised:
        Principal.customer("")
    assert raised.value.fields == {"principal": "1 to 128 characters"}


def test_an_unknown_role_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        Principal("alice", "admin")  # type: ignore[arg-type]


def _app() -> UseCases[InMemoryOrderRepository]:
    return UseCases(InMemoryOrderRepository())


def test_lines_may_be_any_iterable_such_as_a_generator() -> None:
    lines = (NewLine(f"SKU-{n}", 1, "1.00") for n in range(3))
    order = _app().place(ALICE, currency="EUR", lines=lines)
    assert [ln.sku for ln in order.lines] == ["SKU-0", "SKU-1", "SKU-2"]


def test_an_endless_generator_of_lines_is_refused_after_the_bound() -> None:
    def endless() -> Iterator[NewLine]:
        for n in itertools.count():
            yield NewLine(f"SKU-{n}", 1, "1.00")

    with pytest.raises(InvalidInput) as raised:
        _app().place(ALICE, currency="EUR", lines=endless())
    assert set(raised.value.fields) == {"lines"}


@pytest.mark.parametrize(
    "lines",
    [
        [{"sku": "A-1", "quantity": 1, "unit_price": "1.00"}],
        ["A-1"],
        [None],
    ],
    ids=["dict", "text", "none"],
)
def test_a_line_that_is_not_a_new_line_is_invalid_input_naming_it(lines: list[object]) -> None:
    with pytest.raises(InvalidInput) as raised:
        _app().place(ALICE, currency="EUR", lines=lines)  # type: ignore[arg-type]
    assert set(raised.value.fields) == {"lines[0]"}


@pytest.mark.parametrize("lines", ["A-1", 42, None], ids=["text", "number", "none"])
def test_lines_that_are_not_a_collection_are_invalid_input(lines: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        _app().place(ALICE, currency="EUR", lines=lines)  # type: ignore[arg-type]
    assert set(raised.value.fields) == {"lines"}


def test_a_float_price_is_invalid_input_for_its_line() -> None:
    with pytest.raises(InvalidInput) as raised:
        _app().place(ALICE, currency="EUR", lines=[NewLine("A-1", 1, 1.5)])  # type: ignore[arg-type]
    assert set(raised.value.fields) == {"lines[0].unit_price"}


def test_the_lines_of_a_shipped_order_are_refused_for_its_status_even_when_invalid() -> None:
    app = _app()
    OrderBuilder(order_id="o-1", customer_id="alice").in_status(OrderStatus.SHIPPED).store_in(
        app.store
    )
    with pytest.raises(IllegalTransition):
        app.update_lines(ALICE, "o-1", expected_version=3, lines=[NewLine("bad sku", 0, "0")])


def test_a_stale_version_is_reported_before_the_status() -> None:
    app = _app()
    OrderBuilder(order_id="o-1", customer_id="alice").in_status(OrderStatus.SHIPPED).store_in(
        app.store
    )
    with pytest.raises(VersionConflict):
        app.update_lines(ALICE, "o-1", expected_version=1, lines=[NewLine("A-1", 1, "1")])


def test_every_error_core_defines_is_an_orders_error_with_a_code() -> None:
    errors = [
        value
        for value in vars(orders_core).values()
        if isinstance(value, type) and issubclass(value, Exception)
    ]
    assert errors
    for error in errors:
        assert issubclass(error, OrdersError), error
        assert re.fullmatch(r"[A-Z_]+", error.code), error
