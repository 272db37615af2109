from __future__ import annotations

from decimal import Decimal

import pytest

from orders_core import (
    CustomerTier,
    Discount,
    FixedDiscounts,
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
    with pytest.raises(ValueError, match="1 to 128"):
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
