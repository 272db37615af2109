"""Response compression over real HTTP, as the REST API's minimumCompressionSize does it.

``orders serve`` itself for a real list of orders; the in-process gateway with a recording
invoker for the exact rules (which coding is chosen, the threshold, bodies left alone).
"""

from __future__ import annotations

import gzip
import http.client
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from orders_local.app import GatewayLimits, LocalApiConfig
from orders_local.compression import DEFAULT_MINIMUM_SIZE
from tests.support.gateway import gateway_in_thread
from tests.support.http_client import ApiClient, new_order

THRESHOLD = 1024


def test_a_large_list_is_gzipped_when_asked_and_the_same_bytes_once_unzipped(
    api: ApiClient,
) -> None:
    for _ in range(20):
        assert api.post("/orders", json_body=new_order(skus=2)).status == 201
    plain = api.get("/orders?limit=20")
    assert plain.status == 200
    assert len(plain.json()["items"]) == 20
    assert len(plain.body) > DEFAULT_MINIMUM_SIZE
    assert plain.header("Content-Encoding") is None

    zipped = api.get("/orders?limit=20", headers={"Accept-Encoding": "gzip"})
    assert zipped.status == 200
    assert zipped.header("Content-Encoding") == "gzip"
    assert int(zipped.header("Content-Length") or -1) == len(zipped.body)
    assert len(zipped.body) < len(plain.body) / 3
    assert gzip.decompress(zipped.body) == plain.body


def test_a_small_answer_or_a_client_that_does_not_ask_gets_the_body_as_it_is(
    api: ApiClient,
) -> None:
    placed = api.post("/orders", json_body=new_order())
    small = api.get(placed.header("Location") or "", headers={"Accept-Encoding": "gzip"})
    assert small.status == 200
    assert len(small.body) < DEFAULT_MINIMUM_SIZE
    assert small.header("Content-Encoding") is None
    assert small.json()["id"] == placed.json()["id"]


class Replies:
    """Every entrypoint answers 200 with ``body``."""

    def __init__(self) -> None:
        self.body = "x" * 2000
        self.headers: dict[str, str] = {"Content-Type": "application/json"}

    async def __call__(self, entrypoint: str, event: dict[str, Any]) -> object:
        return {"statusCode": 200, "headers": self.headers, "body": self.body}


@pytest.fixture
def gateway() -> Iterator[tuple[Replies, int]]:
    replies = Replies()
    config = LocalApiConfig(
        staff_group="staff",
        tier_claim="custom:tier",
        limits=GatewayLimits(minimum_compression_size=THRESHOLD),
    )
    with gateway_in_thread(config, replies) as port:
        yield replies, port


def _get(port: int, accept_encoding: str | None) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Accept-Encoding": accept_encoding} if accept_encoding is not None else {}
    connection.request("GET", "/orders", headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


@pytest.mark.parametrize(
    ("accept_encoding", "coding"),
    [
        ("gzip", "gzip"),
        ("GZIP", "gzip"),
        ("deflate", "deflate"),
        ("gzip;q=0.5, deflate", "deflate"),
        ("deflate;q=0.4, gzip;q=0.9", "gzip"),
        ("gzip, deflate", "gzip"),  # a tie goes to the first listed
        ("br, gzip;q=0.8", None),  # the first choice is one API Gateway lacks
        ("identity", None),
        ("*", None),
        ("gzip;q=0", None),
        ("", None),
        (None, None),
    ],
)
def test_the_clients_first_choice_decides_the_coding(
    gateway: tuple[Replies, int], accept_encoding: str | None, coding: str | None
) -> None:
    replies, port = gateway
    response, body = _get(port, accept_encoding)
    assert response.getheader("Content-Encoding") == coding
    assert int(response.getheader("Content-Length") or -1) == len(body)
    if coding == "gzip":
        body = gzip.decompress(body)
    elif coding == "deflate":
        body = zlib.decompress(body)
    assert body == replies.body.encode()


@pytest.mark.parametrize(("size", "coding"), [(THRESHOLD - 1, None), (THRESHOLD, "gzip")])
def test_a_body_is_compressed_from_the_minimum_size_on(
    gateway: tuple[Replies, int], size: int, coding: str | None
) -> None:
    replies, port = gateway
    replies.body = "y" * size
    response, _ = _get(port, "gzip")
    assert response.getheader("Content-Encoding") == coding


def test_a_body_the_function_encoded_itself_is_left_alone(gateway: tuple[Replies, int]) -> None:
    replies, port = gateway
    replies.headers = {"Content-Type": "text/plain", "Content-Encoding": "identity"}
    response, body = _get(port, "gzip")
    assert response.getheader("Content-Encoding") == "identity"
    assert body == replies.body.encode()
