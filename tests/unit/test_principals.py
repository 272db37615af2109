from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from orders_core import (
    CustomerTier,
    Discount,
    FixedDiscounts,
    InvalidConfiguration,
    InvalidInput,
    Money,
    NoDiscounts,
    Principal,
    Role,
)
from orders_core.principals import CustomerId

SUBTOTAL = Money.of("100.00", "EUR")


def test_a_customer_may_access_only_its_own_orders() -> None:
    alice = Principal.customer("alice")
    assert alice.role is Role.CUSTOMER
    assert not alice.is_staff
    assert alice.may_access(CustomerId("alice"))
    assert not alice.may_access(CustomerId("bob"))
    assert not alice.may_access(CustomerId("Alice"))


def test_staff_may_access_every_customers_orders() -> None:
    staff = Principal.staff("service:payments")
    assert staff.is_staff
    assert staff.may_access(CustomerId("alice"))
    assert staff.may_access(CustomerId("bob"))


def test_a_customer_is_standard_unless_said_otherwise() -> None:
    assert Principal.customer("alice").tier is CustomerTier.STANDARD
    assert Principal.customer("alice", CustomerTier.PREMIUM).tier is CustomerTier.PREMIUM


@pytest.mark.parametrize("principal_id", ["", "x" * 129])
def test_a_principal_id_is_one_to_128_characters(principal_id: str) -> None:
    with pytest.raises(InvalidInput, match="1 to 128"):
        Principal.customer(principal_id)


def test_without_flags_nobody_gets_a_discount() -> None:
    premium = Principal.customer("carol", CustomerTier.PREMIUM)
    assert NoDiscounts().discounts_for(premium, SUBTOTAL) == ()
    assert FixedDiscounts().discounts_for(premium, SUBTOTAL) == ()


def test_the_premium_discount_is_for_premium_customers_and_the_campaign_for_all() -> None:
    policy = FixedDiscounts(premium=Decimal(10), campaign=Decimal("2.50"))
    premium = Principal.customer("carol", CustomerTier.PREMIUM)
    assert policy.discounts_for(premium, SUBTOTAL) == (
        Discount("premium", Decimal(10)),
        Discount("campaign", Decimal("2.50")),
    )
    assert policy.discounts_for(Principal.customer("alice"), SUBTOTAL) == (
        Discount("campaign", Decimal("2.50")),
    )


@pytest.mark.parametrize(
    "settings",
    [
        {"premium": 10.5},
        {"campaign": 10.0},
        {"premium": Decimal(-5)},
        {"campaign": Decimal(0)},
        {"premium": Decimal("100.01")},
        {"campaign": Decimal("2.505")},
        {"premium": Decimal("NaN")},
        {"premium": 10},
        {"campaign": "10"},
    ],
    ids=[
        "float",
        "whole-float",
        "negative",
        "zero",
        "over-100",
        "three-decimals",
        "nan",
        "int",
        "text",
    ],
)
def test_a_bad_fixed_discount_is_a_configuration_error_when_built(
    settings: dict[str, Any],
) -> None:
    with pytest.raises(InvalidConfiguration) as caught:
        FixedDiscounts(**settings)
    # Not the caller's fault: it must not reach them as their own invalid input.
    assert not isinstance(caught.value, InvalidInput)


@pytest.mark.parametrize("percent", ["0.01", "10", "10.5", "33.33", "100"])
def test_a_fixed_discount_with_up_to_two_decimals_up_to_100_is_accepted(percent: str) -> None:
    policy = FixedDiscounts(premium=Decimal(percent), campaign=Decimal(percent))
    premium = Principal.customer("carol", CustomerTier.PREMIUM)
    assert [d.percent for d in policy.discounts_for(premium, SUBTOTAL)] == [Decimal(percent)] * 2
