"""API Gateway REST proxy events and a Lambda context, for driving entrypoints in tests."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from orders_lambda import routes

CUSTOMER = {"sub": "customer-1", "email": "ann@example.com", "name": "Ann Example"}
OTHER_CUSTOMER = {"sub": "customer-2", "email": "bob@example.com", "name": "Bob Example"}
PREMIUM = {"sub": "customer-3", "custom:tier": "premium", "email": "cy@example.com"}
STAFF = {"sub": "staff-1", "cognito:groups": "[staff support]", "email": "sue@example.com"}
NEW_ORDER: Mapping[str, Any] = {
    "currency": "EUR",
    "lines": [{"sku": "SKU-1", "quantity": 2, "unit_price": "10.00"}],
}


@dataclass(slots=True)
class FakeLambdaContext:
    """What Powertools reads from a Lambda context; time never runs out unless told."""

    function_name: str = "orders-test"
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    remaining_millis: int = 30_000

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:eu-west-1:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


def rest_event(
    method: str,
    path: str,
    *,
    body: object = None,
    raw_body: str | None = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    claims: Mapping[str, str] | None = CUSTOMER,
    base64_body: bool = False,
    stage: str = "test",
) -> dict[str, Any]:
    """A REST proxy event as API Gateway sends it; ``body`` is JSON-encoded, ``raw_body``
    sent as is. The resource and path parameters come from the route table."""
    found = routes.match(method, path)
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    if text is not None and base64_body:
        text = base64.b64encode(text.encode()).decode()
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    request_id = str(uuid.uuid4())
    return {
        "resource": found.route.path if found.route else path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": dict(found.path_parameters) or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": found.route.path if found.route else path,
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": request_id,
            "accountId": "000000000000",
            "apiId": "local",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"claims": dict(claims)} if claims is not None else None,
        },
        "body": text,
        "isBase64Encoded": base64_body,
    }


@dataclass(frozen=True, slots=True)
class Answer:
    """A proxy response, read back: status, headers (any case) and the JSON body."""

    status: int
    headers: Mapping[str, str]
    text: str

    @classmethod
    def of(cls, response: Mapping[str, Any]) -> Answer:
        headers = {k.lower(): str(v) for k, v in (response.get("headers") or {}).items()}
        for key, values in (response.get("multiValueHeaders") or {}).items():
            headers[key.lower()] = ", ".join(str(v) for v in values)
        return cls(int(response["statusCode"]), headers, str(response.get("body") or ""))

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def error_code(self) -> str:
        return str(self.json["error"]["code"])


Call = Callable[..., Answer]
"""``call(method, path, **rest_event_options)`` in the handler tests."""


def invoke(event: dict[str, Any], context: FakeLambdaContext) -> Answer:
    """Run the entrypoint API Gateway would route ``event`` to (get_order's for no route)."""
    found = routes.match(event["httpMethod"], event["path"])
    route = found.route or routes.GET_ORDER
    return Answer.of(routes.load_handler(route.entrypoint)(event, context))
