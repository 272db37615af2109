"""Signed page cursors, shared by every store.

A cursor is ``base64url(json(payload)) + "." + base64url(hmac_sha256(key, body))`` where the
payload holds the position (the last item's sort key) and the scope it was issued for (the
customer and the status filter). Decoding checks the signature in constant time and then the
scope, so a tampered, forged or foreign cursor is an :class:`InvalidCursor`, never a store
error or another customer's page. The position is the store's own key; signing it is what
makes handing it to clients safe.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, Final

from orders_core.errors import InvalidCursor

MAX_CURSOR_LENGTH: Final = 2048
_VERSION: Final = 1


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Encodes positions into signed, scope-bound cursors and back."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a cursor signing key needs at least 16 bytes")
        self._key = key

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest())

    def encode(self, position: Mapping[str, Any], scope: Mapping[str, Any]) -> str:
        payload = {"v": _VERSION, "p": dict(position), "s": dict(scope)}
        body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{self._sign(body)}"

    def decode(self, cursor: str, scope: Mapping[str, Any]) -> dict[str, Any]:
        """The position in ``cursor``; InvalidCursor unless it is genuine and for ``scope``."""
        if not isinstance(cursor, str) or not 0 < len(cursor) <= MAX_CURSOR_LENGTH:
            raise InvalidCursor("the cursor is empty or too long")
        body, dot, signature = cursor.partition(".")
        if not dot or not body.isascii() or not signature.isascii():
            raise InvalidCursor("the cursor is malformed")
        if not hmac.compare_digest(self._sign(body), signature):
            raise InvalidCursor("the cursor was not issued by this service or was altered")
        try:
            payload = json.loads(_unb64(body))
        except (binascii.Error, ValueError) as exc:
            raise InvalidCursor("the cursor is malformed") from exc
        if (
            not isinstance(payload, dict)
            or payload.get("v") != _VERSION
            or not isinstance(payload.get("p"), dict)
        ):
            raise InvalidCursor("the cursor is malformed")
        if payload.get("s") != dict(scope):
            raise InvalidCursor("the cursor belongs to another query")
        position: dict[str, Any] = payload["p"]
        return position
