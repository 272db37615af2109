"""Reading a REST proxy event: the caller, headers, query parameters and the JSON body."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError

from orders_core import CustomerTier, Principal
from orders_lambda.http.errors import (
    BadRequest,
    MalformedJson,
    PayloadTooLarge,
    PreconditionRequired,
    Unauthenticated,
    UnsupportedMediaType,
    ValidationFailed,
)

_M = TypeVar("_M", bound=BaseModel)

_ETAG: Final = re.compile(r'^(?:W/)?"([0-9]{1,18})"$')
_GROUP_SEPARATORS: Final = re.compile(r"[\s,]+")


def header(event: Mapping[str, Any], name: str) -> str | None:
    """A header's value, whatever case the client sent its name in."""
    wanted = name.lower()
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == wanted and isinstance(value, str):
            return value
    return None


def query(event: Mapping[str, Any]) -> dict[str, str]:
    params = event.get("queryStringParameters") or {}
    return {k: v for k, v in params.items() if isinstance(v, str)}


def request_id(event: Mapping[str, Any]) -> str | None:
    found = (event.get("requestContext") or {}).get("requestId")
    return found if isinstance(found, str) else None


def _groups(value: object) -> set[str]:
    # API Gateway hands Cognito's group list over as text ("[a b]" or "a,b"); a list also
    # comes through from test events and other authorizers.
    if isinstance(value, list):
        return {str(item) for item in value}
    if isinstance(value, str):
        return {g for g in _GROUP_SEPARATORS.split(value.strip("[]")) if g}
    return set()


def principal(event: Mapping[str, Any], *, staff_group: str, tier_claim: str) -> Principal:
    """The caller, from the authorizer's claims: ``sub`` is the id, membership of
    ``staff_group`` in ``cognito:groups`` makes it staff, ``tier_claim`` = premium a premium
    customer. No usable claims: Unauthenticated."""
    context = event.get("requestContext") or {}
    claims = (context.get("authorizer") or {}).get("claims")
    subject = claims.get("sub") if isinstance(claims, Mapping) else None
    if not isinstance(subject, str) or not 1 <= len(subject) <= 128:
        raise Unauthenticated("the request carries no authenticated caller")
    assert isinstance(claims, Mapping)  # noqa: S101 - narrowed by the subject check above
    if staff_group in _groups(claims.get("cognito:groups")):
        return Principal.staff(subject)
    tier = CustomerTier.PREMIUM if claims.get(tier_claim) == "premium" else CustomerTier.STANDARD
    return Principal.customer(subject, tier)


def expected_version(event: Mapping[str, Any], *, required: bool) -> int | None:
    """The version named by If-Match (``"3"`` or ``W/"3"``); 428 when required and absent."""
    value = header(event, "If-Match")
    if value is None:
        if required:
            raise PreconditionRequired(
                "this operation needs an If-Match header with the order's ETag"
            )
        return None
    found = _ETAG.fullmatch(value.strip())
    if found is None:
        raise BadRequest(
            'If-Match must be one ETag of this API, such as "3"',
            fields={"If-Match": 'one quoted version, e.g. "3"'},
        )
    return int(found.group(1))


def etag(version: int) -> str:
    return f'"{version}"'


def _raw_body(event: Mapping[str, Any], max_bytes: int) -> bytes:
    body = event.get("body")
    if body is None:
        raise ValidationFailed("a JSON body is required", fields={"body": "required"})
    if event.get("isBase64Encoded"):
        if len(body) > (max_bytes * 4) // 3 + 4:
            raise PayloadTooLarge(f"the body is over {max_bytes} bytes")
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedJson("the body is not valid base64") from exc
    else:
        data = str(body).encode()
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"the body is over {max_bytes} bytes")
    return data


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def field_errors(error: ValidationError, rules: Mapping[str, str] | None = None) -> dict[str, str]:
    """Pydantic's errors as ``{"lines[0].sku": "reason"}``, the paths core uses too.

    ``rules`` says in words what a pattern-checked field (by its name) must look like, in
    place of pydantic's message, which quotes the regular expression.
    """
    found: dict[str, str] = {}
    for item in error.errors(include_url=False, include_input=False):
        path = ""
        for part in item["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        name = next((p for p in reversed(item["loc"]) if isinstance(p, str)), "")
        if item["type"] == "extra_forbidden":
            reason = "unknown field"
        elif item["type"] == "string_pattern_mismatch" and rules and name in rules:
            reason = rules[name]
        else:
            reason = item["msg"].removeprefix("Value error, ")
        found.setdefault(path or "body", reason)
    return found


def json_body(event: Mapping[str, Any], model: type[_M], *, max_bytes: int) -> tuple[_M, Any]:
    """The body validated by ``model``, and the parsed JSON it came from.

    Order of checks: media type (415), size (413), JSON syntax (400), schema (422).
    """
    content_type = header(event, "Content-Type")
    if content_type is not None and content_type.split(";")[0].strip().lower() not in (
        "application/json",
        "",
    ):
        raise UnsupportedMediaType("send the body as application/json")
    data = _raw_body(event, max_bytes)
    try:
        parsed = json.loads(data, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise MalformedJson("the body is not valid JSON") from exc
    try:
        return model.model_validate(parsed), parsed
    except ValidationError as exc:
        rules = getattr(model, "rules", None)
        raise ValidationFailed("the body is invalid", fields=field_errors(exc, rules)) from None


__all__ = [
    "etag",
    "expected_version",
    "field_errors",
    "header",
    "json_body",
    "principal",
    "query",
    "request_id",
]
