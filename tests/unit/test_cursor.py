from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest

from orders_core import CursorCodec, InvalidCursor
from orders_core.cursor import MAX_CURSOR_LENGTH

KEY = b"cursor-key-for-the-unit-tests-0001"
SCOPE = {"customer": "alice", "status": ""}
POSITION = {"after": "2026-01-01T12:00:00.000000+00:00#order-1"}


@pytest.fixture
def codec() -> CursorCodec:
    return CursorCodec(KEY)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signed(body: str, key: bytes = KEY) -> str:
    """A cursor with a genuine signature over ``body``, whatever ``body`` holds."""
    return f"{body}.{b64(hmac.new(key, body.encode('ascii'), hashlib.sha256).digest())}"


def test_a_cursor_decodes_to_its_position_in_its_own_scope(codec: CursorCodec) -> None:
    assert codec.decode(codec.encode(POSITION, SCOPE), SCOPE) == POSITION


def test_a_cursor_is_opaque_url_safe_text(codec: CursorCodec) -> None:
    cursor = codec.encode(POSITION, SCOPE)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert "alice" not in cursor


def test_a_cursor_from_another_scope_is_invalid(codec: CursorCodec) -> None:
    cursor = codec.encode(POSITION, SCOPE)
    for other in (
        {"customer": "bob", "status": ""},
        {"customer": "alice", "status": "PAID"},
        {"customer": "alice"},
    ):
        with pytest.raises(InvalidCursor):
            codec.decode(cursor, other)


def test_a_cursor_signed_with_another_key_is_invalid(codec: CursorCodec) -> None:
    forged = CursorCodec(b"another-key-entirely-0123456789").encode(POSITION, SCOPE)
    with pytest.raises(InvalidCursor):
        codec.decode(forged, SCOPE)


def test_a_tampered_cursor_is_invalid(codec: CursorCodec) -> None:
    cursor = codec.encode(POSITION, SCOPE)
    body, _, signature = cursor.partition(".")
    other_body = CursorCodec(KEY).encode({"after": "9999"}, SCOPE).partition(".")[0]
    flipped = ("A" if body[0] != "A" else "B") + body[1:]
    for tampered in (
        f"{flipped}.{signature}",
        f"{other_body}.{signature}",
        f"{body}.{signature[:-1]}",
        f"{body}.{signature}x",
        f"{body}.",
    ):
        with pytest.raises(InvalidCursor):
            codec.decode(tampered, SCOPE)


@pytest.mark.parametrize(
    "garbage",
    ["", ".", "abc", "a.b", "é.é", "x" * (MAX_CURSOR_LENGTH + 1), "\x00.\x00", "null"],
)
def test_garbage_is_an_invalid_cursor(codec: CursorCodec, garbage: str) -> None:
    with pytest.raises(InvalidCursor):
        codec.decode(garbage, SCOPE)


@pytest.mark.parametrize("not_text", [None, 12, b"abc.def"])
def test_a_cursor_that_is_not_text_is_invalid(codec: CursorCodec, not_text: Any) -> None:
    with pytest.raises(InvalidCursor):
        codec.decode(not_text, SCOPE)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"v": 2, "p": {}, "s": {"customer": "alice", "status": ""}}',
        b'{"v": 1, "p": [], "s": {"customer": "alice", "status": ""}}',
        b'{"v": 1, "s": {"customer": "alice", "status": ""}}',
    ],
)
def test_a_genuinely_signed_but_malformed_payload_is_invalid(
    codec: CursorCodec, payload: bytes
) -> None:
    with pytest.raises(InvalidCursor):
        codec.decode(signed(b64(payload)), SCOPE)


def test_a_signing_key_must_be_long_enough() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        CursorCodec(b"short")


@pytest.mark.parametrize("body", ["a", "abcde", "!!!!"])
def test_a_genuinely_signed_body_that_is_not_base64_is_invalid(
    codec: CursorCodec, body: str
) -> None:
    with pytest.raises(InvalidCursor):
        codec.decode(signed(body), SCOPE)
