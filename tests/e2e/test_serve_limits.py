"""The gateway's limits on a real ``orders serve``: what a client that misbehaves gets.

Every refusal is the one JSON error shape with the request id of its ``X-Amzn-RequestId``
header, and a client that holds a connection without finishing its request loses it after
the request timeout, while other clients keep being served.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Final

import pytest

from tests.support.http_client import ApiClient
from tests.support.local_server import RunningServer, orders_serve
from tests.support.raw_http import RawReply, closed_by_peer, connect, read_reply

pytestmark = pytest.mark.slow

TIMEOUT: Final = 2.0  # --request-timeout for this module's server
SLOW_CLIENTS: Final = 100


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    workdir: Path = tmp_path_factory.mktemp("serve-limits")
    with orders_serve(workdir, "--request-timeout", str(TIMEOUT)) as running:
        yield running


def _assert_json_error(reply: RawReply | None, status: int, code: str) -> None:
    assert reply is not None, "the server closed the connection without an answer"
    assert reply.status == status, reply
    assert reply.headers["content-type"] == "application/json"
    error = reply.json()["error"]
    assert error["code"] == code
    assert error["request_id"] == reply.headers["x-amzn-requestid"]
    assert error["message"]


def _send(server: RunningServer, raw: bytes) -> RawReply | None:
    with connect(server.url) as sock:
        sock.sendall(raw)
        return read_reply(sock)


def test_more_headers_than_the_gateway_takes_get_a_json_431(strict_server: RunningServer) -> None:
    many = "".join(f"X-Filler-{n}: {n}\r\n" for n in range(101))
    reply = _send(strict_server, f"GET /orders HTTP/1.1\r\nHost: t\r\n{many}\r\n".encode())
    _assert_json_error(reply, 431, "HEADERS_TOO_LARGE")


def test_headers_over_ten_kib_get_a_json_431(strict_server: RunningServer) -> None:
    big = "x" * 12_000
    reply = _send(
        strict_server, f"GET /orders HTTP/1.1\r\nHost: t\r\nX-Big: {big}\r\n\r\n".encode()
    )
    _assert_json_error(reply, 431, "HEADERS_TOO_LARGE")


def test_a_head_larger_than_the_parser_buffers_gets_a_json_431(
    strict_server: RunningServer,
) -> None:
    huge = "x" * 100_000
    reply = _send(
        strict_server, f"GET /orders HTTP/1.1\r\nHost: t\r\nX-Huge: {huge}\r\n\r\n".encode()
    )
    _assert_json_error(reply, 431, "HEADERS_TOO_LARGE")


def test_something_that_is_not_http_gets_a_json_400(strict_server: RunningServer) -> None:
    reply = _send(strict_server, b"HELLO THERE\r\n\r\n")
    _assert_json_error(reply, 400, "MALFORMED_REQUEST")


def test_a_body_shorter_than_its_content_length_gets_a_json_408(
    strict_server: RunningServer,
) -> None:
    with connect(strict_server.url) as sock:
        sock.sendall(
            b"POST /orders HTTP/1.1\r\nHost: t\r\nX-Dev-Customer: a\r\n"
            b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"currency"'
        )
        started = time.monotonic()
        reply = read_reply(sock)
        waited = time.monotonic() - started
        _assert_json_error(reply, 408, "REQUEST_TIMEOUT")
        assert closed_by_peer(sock)
    assert waited < TIMEOUT + 5


def test_an_oversized_declared_body_gets_a_json_413(strict_server: RunningServer) -> None:
    with connect(strict_server.url) as sock:
        sock.sendall(
            b"POST /orders HTTP/1.1\r\nHost: t\r\nX-Dev-Customer: a\r\n"
            b"Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n"
        )
        _assert_json_error(read_reply(sock), 413, "PAYLOAD_TOO_LARGE")


def test_an_idle_connection_is_closed_after_the_request_timeout(
    strict_server: RunningServer,
) -> None:
    with connect(strict_server.url, timeout=TIMEOUT + 10) as sock:
        started = time.monotonic()
        assert closed_by_peer(sock)
        assert time.monotonic() - started < TIMEOUT + 5


def test_a_kept_alive_connection_serves_several_requests(strict_server: RunningServer) -> None:
    with connect(strict_server.url) as sock:
        for _ in range(3):
            sock.sendall(b"GET /orders HTTP/1.1\r\nHost: t\r\nX-Dev-Customer: keep\r\n\r\n")
            reply = read_reply(sock)
            assert reply is not None
            assert reply.status == 200


def test_slow_clients_neither_block_others_nor_keep_their_connections(
    strict_server: RunningServer,
) -> None:
    head = b"GET /orders HTTP/1.1\r\nHost: t\r\nX-Dev-Customer: slow\r\nX-Pad: "
    slow = [connect(strict_server.url, timeout=TIMEOUT + 10) for _ in range(SLOW_CLIENTS)]
    stop = threading.Event()

    def drip() -> None:  # one byte a second on every slow connection
        for position in range(len(head)):
            for sock in slow:
                with suppress(OSError):  # already closed by the server: what we expect
                    sock.send(head[position : position + 1])
            if stop.wait(1.0):
                return

    dripping = threading.Thread(target=drip, daemon=True)
    dripping.start()
    try:
        time.sleep(0.5)  # every slow connection has started its head
        api = ApiClient(strict_server.url, customer="normal")
        served = [api.get("/orders").status for _ in range(20)]
        assert served == [200] * 20
        started = time.monotonic()
        replies = [read_reply(sock) for sock in slow]
        for reply in replies:
            _assert_json_error(reply, 408, "REQUEST_TIMEOUT")
        assert all(closed_by_peer(sock) for sock in slow)
        assert time.monotonic() - started < TIMEOUT + 5
        assert api.get("/orders").status == 200
    finally:
        stop.set()
        dripping.join(timeout=5)
        for sock in slow:
            sock.close()


def test_a_connection_refused_by_the_peer_mid_head_costs_nothing(
    strict_server: RunningServer,
) -> None:
    with connect(strict_server.url) as sock:
        sock.sendall(b"GET /ord")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    assert ApiClient(strict_server.url, customer="after").get("/orders").status == 200


def test_a_whole_request_in_one_read_is_judged_by_its_body_not_as_a_head(
    strict_server: RunningServer,
) -> None:
    body = b"[" * 70_000  # over the body limit and over the head bound, sent in one write
    head = (
        "PATCH /orders/0b6f3c2e-0000-4000-8000-000000000000 HTTP/1.1\r\nHost: t\r\n"
        f'X-Dev-Customer: a\r\nIf-Match: "1"\r\nContent-Length: {len(body)}\r\n\r\n'
    )
    for _ in range(20):  # the read boundaries vary; each must get the body's answer
        reply = _send(strict_server, head.encode() + body)
        _assert_json_error(reply, 413, "PAYLOAD_TOO_LARGE")
