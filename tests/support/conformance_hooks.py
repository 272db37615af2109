"""schemathesis hooks for the conformance run (``SCHEMATHESIS_HOOKS`` names this module).

schemathesis' own ``positive_data_acceptance`` fails any schema-valid request the server
refuses. A few refusals depend on state no schema can carry; they are the documented
exceptions below, each matched by operation, status and error code (never by status alone,
so a new kind of refusal still fails the run). ``accepted_unless_documented`` replaces the
built-in check with the same rule less these exceptions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

import jsonschema
import schemathesis

from orders_manifest.operations import OPERATIONS, IfMatch


@dataclass(frozen=True, slots=True)
class DocumentedException:
    operation: str  # schemathesis' label: "METHOD /path"
    status: int
    code: str
    reason: str
    fields: frozenset[str] | None = None  # when set: every field named must end with one
    says: str | None = None  # when set: what every named field's reason must be


# The operations that check If-Match against the stored version.
_READS_IF_MATCH: Final = tuple(
    f"{o.method} {o.path}" for o in OPERATIONS if o.if_match is not IfMatch.IGNORED
)
EXCEPTIONS: Final[tuple[DocumentedException, ...]] = (
    DocumentedException(
        "GET /orders",
        400,
        "INVALID_CURSOR",
        "A cursor is opaque and signed: only one the server issued, for this caller and query, "
        "is valid, which a pattern cannot say.",
    ),
    *(
        DocumentedException(
            operation,
            412,
            "VERSION_CONFLICT",
            "If-Match is valid only while it names the current version, which the order "
            "knows and the schema cannot.",
        )
        for operation in _READS_IF_MATCH
    ),
    DocumentedException(
        "POST /orders",
        422,
        "IDEMPOTENCY_KEY_REUSED",
        "An Idempotency-Key an earlier request used with another order: whether a key is "
        "taken is state.",
    ),
    DocumentedException(
        "PATCH /orders/{order_id}",
        422,
        "VALIDATION_FAILED",
        "A price's decimals depend on the stored order's currency, which the PATCH body does "
        "not carry (POST states it per currency in the schema).",
        fields=frozenset({".unit_price"}),
    ),
    *(
        DocumentedException(
            operation,
            422,
            "VALIDATION_FAILED",
            "Each SKU at most once: JSON Schema's uniqueItems compares whole lines, not one "
            "property of them (the schema says it in words).",
            fields=frozenset({".sku"}),
            says="duplicate sku",
        )
        for operation in ("POST /orders", "PATCH /orders/{order_id}")
    ),
    DocumentedException(
        "GET /orders",
        400,
        "BAD_REQUEST",
        "Staff must name customer_id; one schema serves customers and staff, and only the "
        "caller's identity says which it is.",
        fields=frozenset({"customer_id"}),
    ),
)
# What schemathesis' check accepts for a schema-valid request, kept as it is.
_ACCEPTED: Final = frozenset({401, 403, 404, 409, 429})


def _error(body: bytes) -> dict[str, Any]:
    try:
        found = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return {}
    return found if isinstance(found, dict) else {}


def documented_exception(operation: str, status: int, body: bytes) -> DocumentedException | None:
    """The exception that covers this refusal, if one does."""
    error = _error(body)
    for exception in EXCEPTIONS:
        if (exception.operation, exception.status) != (operation, status):
            continue
        if error.get("code") != exception.code:
            continue
        named: dict[str, str] = error.get("fields") or {}
        if exception.fields is not None and not (
            named and all(any(n.endswith(end) for end in exception.fields) for n in named)
        ):
            continue
        if exception.says is not None and set(named.values()) != {exception.says}:
            continue
        return exception
    return None


def _names_an_invalid_header(case: Any, body: bytes) -> bool:
    """Whether the refusal names a header whose value breaks the header's own schema.

    schemathesis draws If-Match from its own ETag strategy ("*", lists, "0" in the coverage
    phase) and still labels the case positive; such a case is not schema-valid, and its 400
    is the right answer.
    """
    named = set(_error(body).get("fields") or {})
    for parameter in case.operation.definition.raw.get("parameters", []):
        name = parameter.get("name")
        if parameter.get("in") != "header" or name not in named:
            continue
        value = (case.headers or {}).get(name)
        if value is not None and not jsonschema.Draft202012Validator(parameter["schema"]).is_valid(
            value
        ):
            return True
    return False


@schemathesis.check
def accepted_unless_documented(ctx: Any, response: Any, case: Any) -> bool | None:
    """A schema-valid request is accepted, or refused for a documented reason."""
    del ctx
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    status = int(response.status_code)
    if status < 400 or status in _ACCEPTED or status >= 500:  # 5xx: not_a_server_error's
        return None
    if documented_exception(case.operation.label, status, response.content) is not None:
        return None
    if _names_an_invalid_header(case, response.content):
        return None
    raise AssertionError(
        f"a schema-valid request was refused with {status}: {response.content[:500]!r}"
    )
