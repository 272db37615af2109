"""The OpenAPI document as ``orders serve`` serves it: LOCAL ONLY.

The docs function serves the committed document (its server set to the URL it was fetched
from). In front of it, the local gateway swaps the Cognito scheme, which it cannot honour
(there is no authorizer here), for the development identity it does honour
(:mod:`orders_local.identity`), so Swagger UI's Authorize, then "Try it out", works
with a customer name and nothing else. A deployed API never serves these schemes: only the
local gateway adds them, and only the local gateway reads the headers they name.
"""

from __future__ import annotations

import json
from typing import Any, Final

from orders_local.identity import CUSTOMER_HEADER, STAFF_HEADER, TIER_HEADER

CUSTOMER_SCHEME: Final = "devCustomer"
STAFF_SCHEME: Final = "devStaff"
TIER_SCHEME: Final = "devTier"

SCHEMES: Final[dict[str, dict[str, str]]] = {
    CUSTOMER_SCHEME: {
        "type": "apiKey",
        "in": "header",
        "name": CUSTOMER_HEADER,
        "description": "LOCAL ONLY: any customer name, e.g. alice; you act as that customer",
    },
    STAFF_SCHEME: {
        "type": "apiKey",
        "in": "header",
        "name": STAFF_HEADER,
        "description": "LOCAL ONLY, with a customer name: 1 for staff rights",
    },
    TIER_SCHEME: {
        "type": "apiKey",
        "in": "header",
        "name": TIER_HEADER,
        "description": "LOCAL ONLY, with a customer name: premium for the premium tier",
    },
}
# A customer name is what authenticates; staff and tier only add to it.
REQUIREMENTS: Final[list[dict[str, list[str]]]] = [
    {CUSTOMER_SCHEME: []},
    {CUSTOMER_SCHEME: [], STAFF_SCHEME: []},
    {CUSTOMER_SCHEME: [], TIER_SCHEME: []},
    {CUSTOMER_SCHEME: [], STAFF_SCHEME: [], TIER_SCHEME: []},
]
_NOTE: Final = (
    "\n\nServed by `orders serve`: callers are named by the development identity "
    "(Authorize with a customer name), which only this local server honours; the Cognito "
    "scheme of the deployed API is left out, as nothing here could check its tokens."
)


def development_document(document: dict[str, Any], base_url: str) -> dict[str, Any]:
    """``document`` with the development identity in place of Cognito, served at
    ``base_url``."""
    local = dict(document)
    local["servers"] = [{"url": base_url, "description": "orders serve (local)"}]
    local["info"] = {**document["info"], "description": document["info"]["description"] + _NOTE}
    components = dict(document["components"])
    components["securitySchemes"] = dict(SCHEMES)
    local["components"] = components
    paths: dict[str, Any] = {}
    for path, operations in document["paths"].items():
        paths[path] = {
            method: {**operation, "security": list(REQUIREMENTS)}
            if "security" in operation
            else operation
            for method, operation in operations.items()
        }
    local["paths"] = paths
    return local


def development_body(body: bytes, base_url: str) -> bytes:
    """The served document's bytes, as :func:`development_document` changes them."""
    document = json.loads(body)
    return json.dumps(development_document(document, base_url), separators=(",", ":")).encode()


__all__ = ["REQUIREMENTS", "SCHEMES", "development_body", "development_document"]
