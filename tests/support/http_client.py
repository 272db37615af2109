"""A small HTTP client for the end-to-end tests, over the standard library's http.client.

It speaks to ``orders serve`` as a caller would: real sockets, JSON bodies, and the local
server's development identity headers for the caller (see orders_local.identity).
A new connection per request keeps it safe to share between threads.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final
from urllib.parse import urlsplit

TIMEOUT_SECONDS: Final = 15.0


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: Mapping[str, str]  # names lower-cased; a repeated header keeps its last value
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error_code(self) -> str:
        code: str = self.json()["error"]["code"]
        return code

    def __str__(self) -> str:
        return f"{self.status} {self.body[:500].decode(errors='replace')}"


@dataclass(frozen=True, slots=True)
class ApiClient:
    """Calls the API at ``base_url`` as ``customer`` (None: no identity at all)."""

    base_url: str
    customer: str | None = "alice"
    staff: bool = False
    tier: str | None = None
    extra_headers: Mapping[str, str] = field(default_factory=dict)

    def as_customer(self, customer: str | None, *, tier: str | None = None) -> ApiClient:
        return replace(self, customer=customer, staff=False, tier=tier)

    def as_staff(self, name: str = "staff-1") -> ApiClient:
        return replace(self, customer=name, staff=True, tier=None)

    def identity_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.customer is not None:
            headers["X-Dev-Customer"] = self.customer
        if self.staff:
            headers["X-Dev-Staff"] = "1"
        if self.tier is not None:
            headers["X-Dev-Tier"] = self.tier
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: object = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        sent = {**self.identity_headers(), **self.extra_headers, **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        location = urlsplit(self.base_url)
        connection = http.client.HTTPConnection(
            location.hostname or "127.0.0.1", location.port, timeout=TIMEOUT_SECONDS
        )
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return Reply(
                response.status,
                {name.lower(): value for name, value in response.getheaders()},
                response.read(),
            )
        finally:
            connection.close()

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Reply:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)


def new_order(currency: str = "EUR", *, skus: int = 1, quantity: int = 2) -> dict[str, Any]:
    """A valid create-order body."""
    return {
        "currency": currency,
        "lines": [
            {"sku": f"SKU-{n}", "quantity": quantity, "unit_price": "12.50"} for n in range(skus)
        ],
    }


__all__ = ["ApiClient", "Reply", "new_order"]
