"""The API Gateway REST proxy event of an HTTP function's route, as the samples in ``events/``
are written: what ``orders invoke FUNCTION`` runs when it is given no ``--event``.

Every HTTP sample is the same event but for its route (method, resource, path), its request
ids, and what the operation reads beyond the route: a body, a header such as
``Idempotency-Key`` or ``If-Match``, a query. So an operation that reads no body needs no
sample file: :func:`route_event` makes it from the manifest's route, about order
:data:`SAMPLE_ORDER_ID` (which no store has: ``--seed`` places one and aims the event at it)
and with the Cognito claims of customer ``alice`` when the route needs a user. The committed
samples are checked against it (``tests/e2e/test_invoke.py``), so they stay what this makes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from orders_lambda.routes import ROUTES, Route
from orders_manifest.operations import ORDER_ID

SAMPLE_ORDER_ID: Final = "0b6f3c2e-6a1d-4c53-9d0e-3f1f8f4a7c21"
STAGE: Final = "dev"
_HOST: Final = "abc123.execute-api.eu-west-1.amazonaws.com"
_AGENT: Final = "curl/8.5.0"
_CLAIMS: Final = {
    "sub": "alice",
    "token_use": "id",
    "email_verified": "true",
    "custom:tier": "premium",
    "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE",
}


def _multi(values: Mapping[str, str] | None) -> dict[str, list[str]] | None:
    return None if values is None else {name: [value] for name, value in values.items()}


def route_event(
    route: Route,
    name: str,
    *,
    body: str | None = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The REST proxy event API Gateway sends function ``name`` for ``route``, about
    :data:`SAMPLE_ORDER_ID`, with ``body``, the extra ``headers`` and the ``query`` given."""
    path = route.path.replace(ORDER_ID, SAMPLE_ORDER_ID)
    sent = {"Host": _HOST, "User-Agent": _AGENT, "Accept": "application/json", **(headers or {})}
    context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "abc123",
        "domainName": _HOST,
        "extendedRequestId": f"sample-{name}",
        "httpMethod": route.method,
        "identity": {"sourceIp": "203.0.113.10", "userAgent": _AGENT},
        "path": f"/{STAGE}{path}",
        "protocol": "HTTP/1.1",
        "requestId": f"sample-{name}",
        "requestTime": "23/Nov/2026:12:00:00 +0000",
        "requestTimeEpoch": 1795435200000,
        "resourceId": "a1b2c3",
        "resourcePath": route.path,
        "stage": STAGE,
    }
    if route.authorized:
        context["authorizer"] = {"claims": dict(_CLAIMS)}
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": route.method,
        "headers": sent,
        "multiValueHeaders": _multi(sent),
        "queryStringParameters": dict(query) if query is not None else None,
        "multiValueQueryStringParameters": _multi(query),
        "pathParameters": {"order_id": SAMPLE_ORDER_ID} if ORDER_ID in route.path else None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": False,
    }


def function_route(name: str) -> Route | None:
    """The first route HTTP function ``name`` serves; None for an event-driven function."""
    return next((route for route in ROUTES if route.function == name), None)


def made_event(name: str) -> dict[str, Any] | None:
    """The event of function ``name``'s route when it can be made from the route alone (an
    HTTP function whose operation reads no body); None otherwise: that function needs an
    event file."""
    route = function_route(name)
    if route is None or route.body is not None:
        return None
    return route_event(route, name)


__all__ = ["SAMPLE_ORDER_ID", "function_route", "made_event", "route_event"]
