"""The local server's translation between HTTP and API Gateway proxy events.

The gateway runs in this process on uvicorn over a real loopback socket, with a recording
invoker in place of the execution environments, so each test sees the exact event a request
became and the exact HTTP a proxy response becomes.
"""

from __future__ import annotations

import base64
import http.client
import json
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from orders_local.app import GatewayLimits, LocalApiConfig
from orders_local.identity import claims_from_headers
from orders_local.workspace import Workspace, cursor_key, settings_environment
from tests.support.gateway import gateway_in_thread

LIMIT = 2048


@dataclass
class Recorder:
    """Stands in for every entrypoint: records events, answers with ``reply``."""

    reply: dict[str, Any] = field(
        default_factory=lambda: {"statusCode": 200, "headers": {}, "body": "{}"}
    )
    events: list[dict[str, Any]] = field(default_factory=list)
    entrypoints: list[str] = field(default_factory=list)

    async def __call__(self, entrypoint: str, event: dict[str, Any]) -> object:
        self.entrypoints.append(entrypoint)
        self.events.append(event)
        return self.reply


@dataclass(frozen=True)
class Local:
    recorder: Recorder
    port: int

    def send(
        self,
        method: str,
        path: str,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
    ) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.putrequest(method, path)
        for name, value in headers or []:
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        response.read()
        connection.close()
        return response

    @property
    def event(self) -> dict[str, Any]:
        return self.recorder.events[-1]


@pytest.fixture
def local() -> Iterator[Local]:
    recorder = Recorder()
    config = LocalApiConfig(
        staff_group="staff",
        tier_claim="custom:tier",
        limits=GatewayLimits(max_body_bytes=LIMIT),
    )
    with gateway_in_thread(config, recorder) as port:
        yield Local(recorder, port)


def test_a_request_becomes_a_rest_proxy_event(local: Local) -> None:
    local.send(
        "PATCH",
        "/orders/o-1?x=1&x=2&y=3",
        [("Accept", "a/b"), ("X-Many", "1"), ("X-Many", "2, 3"), ("Content-Type", "text/plain")],
        b"hello",
    )
    event = local.event
    assert local.recorder.entrypoints == ["orders_lambda.entrypoints.update_order:handler"]
    assert event["resource"] == "/orders/{order_id}"
    assert event["path"] == "/orders/o-1"
    assert event["httpMethod"] == "PATCH"
    assert event["pathParameters"] == {"order_id": "o-1"}
    assert event["queryStringParameters"] == {"x": "2", "y": "3"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": ["3"]}
    # Names arrive in lower case (uvicorn folds them, as HTTP/2 clients send them to API Gateway).
    assert event["headers"]["x-many"] == "2, 3"
    assert event["multiValueHeaders"]["x-many"] == ["1", "2, 3"]
    assert event["body"] == "hello"
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["stage"] == "local"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["requestId"]
    assert context["resourcePath"] == "/orders/{order_id}"
    assert "authorizer" not in context


def test_the_request_id_is_the_event_s_and_the_response_s(local: Local) -> None:
    response = local.send("GET", "/orders")
    assert response.getheader("X-Amzn-RequestId") == local.event["requestContext"]["requestId"]


def test_a_binary_body_arrives_base64_encoded(local: Local) -> None:
    payload = bytes(range(256))
    local.send("POST", "/orders", [("Content-Type", "application/octet-stream")], payload)
    assert local.event["isBase64Encoded"] is True
    assert base64.b64decode(local.event["body"]) == payload


def test_text_that_is_not_utf8_arrives_base64_encoded(local: Local) -> None:
    local.send("POST", "/orders", [("Content-Type", "application/json")], b'{"a": "\xff"}')
    assert local.event["isBase64Encoded"] is True


def test_development_headers_become_claims_and_leave_the_event(local: Local) -> None:
    local.send(
        "GET",
        "/orders",
        [("x-dev-customer", "alice"), ("X-Dev-Staff", "yes"), ("X-Dev-Tier", "premium")],
    )
    claims = local.event["requestContext"]["authorizer"]["claims"]
    assert claims["sub"] == "alice"
    assert claims["cognito:groups"] == "staff"
    assert claims["custom:tier"] == "premium"
    assert not [h for h in local.event["headers"] if h.lower().startswith("x-dev-")]


def test_without_a_customer_header_there_are_no_claims() -> None:
    assert claims_from_headers([("X-Dev-Staff", "1")], staff_group="s", tier_claim="t") is None
    claims = claims_from_headers([("X-Dev-Customer", "bob")], staff_group="s", tier_claim="t")
    assert claims is not None
    assert "s" not in claims.values()


def test_an_oversized_body_is_refused_before_any_function_runs(local: Local) -> None:
    response = local.send("POST", "/orders", [("Content-Type", "application/json")], b"x" * 5000)
    assert response.status == 413
    assert local.recorder.events == []


def test_a_body_at_the_limit_is_accepted(local: Local) -> None:
    response = local.send("POST", "/orders", [("Content-Type", "text/plain")], b"x" * LIMIT)
    assert response.status == 200
    assert len(local.event["body"]) == LIMIT


def test_unknown_routes_and_methods_never_reach_a_function(local: Local) -> None:
    assert local.send("GET", "/unknown").status == 404
    response = local.send("DELETE", "/orders")
    assert response.status == 405
    assert response.getheader("Allow") == "POST, GET"
    assert local.recorder.events == []


def test_the_proxy_response_becomes_the_http_response(local: Local) -> None:
    local.recorder.reply = {
        "statusCode": 201,
        "headers": {"ETag": '"1"', "X-One": "single"},
        "multiValueHeaders": {"X-One": ["a", "b"], "Set-Cookie": ["c=1", "d=2"]},
        "body": base64.b64encode(b"\x00\x01binary").decode(),
        "isBase64Encoded": True,
    }
    connection = http.client.HTTPConnection("127.0.0.1", local.port, timeout=10)
    connection.request("POST", "/orders")
    response = connection.getresponse()
    assert response.status == 201
    assert response.read() == b"\x00\x01binary"
    assert response.getheader("ETag") == '"1"'
    assert response.headers.get_all("X-One") == ["a", "b"]
    assert response.headers.get_all("Set-Cookie") == ["c=1", "d=2"]
    connection.close()


def test_a_failing_function_is_a_502_in_the_error_shape(local: Local) -> None:
    local.recorder.reply = {"no": "statusCode"}
    connection = http.client.HTTPConnection("127.0.0.1", local.port, timeout=10)
    connection.request("GET", "/orders")
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    assert response.status == 502
    assert body["error"]["code"] == "FUNCTION_FAILED"
    assert body["error"]["request_id"] == response.getheader("X-Amzn-RequestId")


def test_the_cursor_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    key = cursor_key(tmp_path / "data")
    assert len(key) >= 32
    assert cursor_key(tmp_path / "data") == key
    mode = (tmp_path / "data" / "cursor.key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_the_workspace_configures_the_settings_variables(tmp_path: Path) -> None:
    flags = tmp_path / "flags.json"
    sqlite = settings_environment(Workspace(db=tmp_path / "o.sqlite3", flags=flags))
    assert sqlite["ORDERS_STORE"] == "sqlite"
    assert sqlite["ORDERS_SQLITE_PATH"] == str(tmp_path / "o.sqlite3")
    assert (sqlite["ORDERS_FLAGS_SOURCE"], sqlite["ORDERS_FLAGS_FILE"]) == ("file", str(flags))
    dynamo = settings_environment(
        Workspace(db=tmp_path / "o.sqlite3", dynamodb_endpoint="http://127.0.0.1:1")
    )
    assert dynamo["ORDERS_STORE"] == "dynamodb"
    assert dynamo["ORDERS_DYNAMODB_ENDPOINT"] == "http://127.0.0.1:1"
    assert "ORDERS_SQLITE_PATH" not in dynamo
    assert dynamo["ORDERS_CURSOR_KEY"] == sqlite["ORDERS_CURSOR_KEY"]
