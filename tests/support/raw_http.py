"""HTTP/1.1 over a bare socket, for tests that must send what a normal client would not:
a head a byte at a time, a body shorter than its Content-Length, oversized headers."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class RawReply:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def connect(base_url: str, timeout: float = 15.0) -> socket.socket:
    location = urlsplit(base_url)
    return socket.create_connection(
        (location.hostname or "127.0.0.1", location.port or 80), timeout
    )


def read_reply(sock: socket.socket) -> RawReply | None:
    """The next response on ``sock`` (its body by Content-Length), or None if the server
    closed the connection without one."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return RawReply(int(status_line.split()[1]), headers, rest[:length])


def closed_by_peer(sock: socket.socket) -> bool:
    """True once the server has closed ``sock`` (after whatever it sent)."""
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


__all__ = ["RawReply", "closed_by_peer", "connect", "read_reply"]
