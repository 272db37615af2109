"""Idempotency keys in the domain: a customer's key names one order, for good.

The order id of a keyed placement is derived from the customer and the key, so every attempt
with the same key proposes the same id, and the store's conditional add lets exactly one of
them write. A crash, a timeout or a lost answer then leaves nothing to reconcile: the order is
stored under its key's id or it is not. Derived ids are UUID version 5, random ones
(``orders_adapters.system.RandomOrderIds``) version 4, so the two can never meet.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Final

from orders_core.errors import InvalidInput, OrderAlreadyExists
from orders_core.order import OrderId
from orders_core.principals import CustomerId

MAX_KEY_LENGTH: Final = 255
# Visible ASCII, as HTTP header values are: a key survives any transport unchanged.
KEY_PATTERN: Final = re.compile(r"[\x21-\x7e]{1,255}")
# Never change it: every id derived so far would stop matching its key, and a retry of an old
# key would place a second order.
KEY_NAMESPACE: Final = uuid.UUID("0b7d5f3e-2c41-5a8e-9f6d-7e1a3c9b4d20")


class IdempotencyKeyReused(InvalidInput):
    """The key already placed an order, for another request (other currency or lines)."""

    code = "IDEMPOTENCY_KEY_REUSED"


class ReplayUnavailable(OrderAlreadyExists):
    """The key's order exists but its first state is no longer kept, so the first answer
    can't be given again (a store whose events expire, once the order has changed)."""

    code = "IDEMPOTENCY_REPLAY_UNAVAILABLE"


def check_key(value: str) -> str:
    """``value`` if it can be an idempotency key; InvalidInput otherwise."""
    if not isinstance(value, str) or not KEY_PATTERN.fullmatch(value):
        raise InvalidInput(
            f"an idempotency key is 1-{MAX_KEY_LENGTH} visible ASCII characters",
            {"idempotency_key": f"1-{MAX_KEY_LENGTH} visible ASCII characters"},
        )
    return value


def order_id_for_key(customer_id: CustomerId, key: str) -> OrderId:
    """The id of the order ``customer_id`` places with ``key``: the same for every attempt,
    different for another customer or another key."""
    # A JSON pair, so no customer id or key can shift the boundary between them.
    name = json.dumps([customer_id, check_key(key)])
    return OrderId(str(uuid.uuid5(KEY_NAMESPACE, name)))


__all__ = [
    "KEY_NAMESPACE",
    "KEY_PATTERN",
    "MAX_KEY_LENGTH",
    "IdempotencyKeyReused",
    "ReplayUnavailable",
    "check_key",
    "order_id_for_key",
]
