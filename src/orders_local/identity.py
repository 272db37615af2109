"""The development identity: LOCAL ONLY.

In AWS the caller's identity comes from the API Gateway Cognito authorizer, which puts the
verified token's claims in ``requestContext.authorizer.claims``; the entrypoints read those
claims and nothing else. ``orders serve`` has no authorizer, so it builds the same claims from
three request headers instead:

- ``X-Dev-Customer: alice``  -> ``sub`` (the customer id)
- ``X-Dev-Staff: 1``         -> membership of the staff group (``cognito:groups``)
- ``X-Dev-Tier: premium``    -> the tier claim (``custom:tier`` by default)

Only this module reads these headers, and only the local server imports it. A deployed
function cannot be switched to trust them: there is no setting for it, and the handlers never
look at request headers for identity, so a Lambda event carrying ``X-Dev-Customer`` without
claims is unauthenticated (a test proves it). The headers are removed from the event the
local server builds, so handlers see exactly what API Gateway would hand them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

CUSTOMER_HEADER: Final = "X-Dev-Customer"
STAFF_HEADER: Final = "X-Dev-Staff"
TIER_HEADER: Final = "X-Dev-Tier"
DEV_HEADERS: Final = frozenset(h.lower() for h in (CUSTOMER_HEADER, STAFF_HEADER, TIER_HEADER))
GROUPS_CLAIM: Final = "cognito:groups"

_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_MAX_LENGTH: Final = 128


def is_dev_header(name: str) -> bool:
    return name.lower() in DEV_HEADERS


def claims_from_headers(
    headers: Iterable[tuple[str, str]], *, staff_group: str, tier_claim: str
) -> dict[str, str] | None:
    """The authorizer claims the development headers stand for; None without a customer.

    Header names match case-insensitively; a repeated header counts with its last value.
    Over-long values are cut: the handlers validate the claims as they would Cognito's.
    """
    dev = {
        name.lower(): value.strip()[:_MAX_LENGTH] for name, value in headers if is_dev_header(name)
    }
    customer = dev.get(CUSTOMER_HEADER.lower(), "")
    if not customer:
        return None
    claims = {"sub": customer, "token_use": "id", "iss": "orders-serve (local development)"}
    if dev.get(STAFF_HEADER.lower(), "").lower() in _TRUE:
        claims[GROUPS_CLAIM] = staff_group
    tier = dev.get(TIER_HEADER.lower(), "")
    if tier:
        claims[tier_claim] = tier
    return claims


__all__ = [
    "CUSTOMER_HEADER",
    "DEV_HEADERS",
    "GROUPS_CLAIM",
    "STAFF_HEADER",
    "TIER_HEADER",
    "claims_from_headers",
    "is_dev_header",
]
