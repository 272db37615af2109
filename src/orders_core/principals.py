"""Who is asking. Every use case takes a principal and enforces ownership with it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NewType

from orders_core.errors import InvalidInput

CustomerId = NewType("CustomerId", str)


class Role(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"


class CustomerTier(StrEnum):
    STANDARD = "standard"
    PREMIUM = "premium"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller.

    A customer acts only on its own orders (its ``id`` is the order's customer id). Staff act
    on every order and alone may mark orders paid, shipped or delivered; event consumers run
    as staff principals named after the service (``service:payments``).
    """

    id: str
    role: Role
    tier: CustomerTier = CustomerTier.STANDARD

    def __post_init__(self) -> None:
        # InvalidInput, like every other rule a caller can break: a service that builds the
        # principal from its own request catches OrdersError alone.
        if not isinstance(self.id, str) or not 1 <= len(self.id) <= 128:
            raise InvalidInput(
                "a principal id is 1 to 128 characters", {"principal": "1 to 128 characters"}
            )
        try:
            object.__setattr__(self, "role", Role(self.role))
            object.__setattr__(self, "tier", CustomerTier(self.tier))
        except ValueError as exc:
            raise InvalidInput(str(exc), {"principal": "a known role and tier"}) from None

    @classmethod
    def customer(cls, customer_id: str, tier: CustomerTier = CustomerTier.STANDARD) -> Principal:
        return cls(customer_id, Role.CUSTOMER, tier)

    @classmethod
    def staff(cls, staff_id: str) -> Principal:
        return cls(staff_id, Role.STAFF)

    @property
    def is_staff(self) -> bool:
        return self.role is Role.STAFF

    def may_access(self, customer_id: CustomerId) -> bool:
        """True when this principal may read or change an order of ``customer_id``."""
        return self.is_staff or self.id == customer_id
