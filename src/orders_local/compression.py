"""Response compression as API Gateway does it for a REST API with ``minimumCompressionSize``.

A response body of at least the minimum size is compressed when the client's highest-priority
coding in ``Accept-Encoding`` is one API Gateway supports (``gzip`` or ``deflate``); when
that coding is ``identity``, another coding (``br``, ``*``...) or the header is absent, the
body goes as it is. A tie in priority goes to the coding listed first; ``q=0`` refuses one.
A body the function already encoded (it has ``Content-Encoding``) is left alone.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Sequence
from typing import Final

SUPPORTED: Final = frozenset({"gzip", "deflate"})
# API Gateway accepts 0 to 10 MiB as a minimumCompressionSize.
MAXIMUM_SIZE: Final = 10 * 1024 * 1024
DEFAULT_MINIMUM_SIZE: Final = 1024  # what the staging and prod stacks set


def chosen_coding(accept_encoding: str | None) -> str | None:
    """The coding to compress with for this ``Accept-Encoding``, or None for none."""
    if not accept_encoding:
        return None
    best: tuple[float, str] | None = None
    for part in accept_encoding.split(","):
        coding, _, parameters = part.partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        quality = _quality(parameters)
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, coding)
    if best is None:
        return None
    return best[1] if best[1] in SUPPORTED else None


def _quality(parameters: str) -> float:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(1.0, max(0.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


def compressed(
    body: bytes,
    headers: Sequence[tuple[str, str]],
    accept_encoding: str | None,
    minimum_size: int | None,
) -> tuple[bytes, str | None]:
    """The body API Gateway would send this client, and its coding (None: sent as it is);
    ``minimum_size`` None turns compression off."""
    coding = chosen_coding(accept_encoding)
    if (
        minimum_size is None
        or coding is None
        or not body
        or len(body) < minimum_size
        or any(name.lower() == "content-encoding" for name, _ in headers)
    ):
        return body, None
    if coding == "gzip":
        return gzip.compress(body, mtime=0), coding
    return zlib.compress(body), coding  # HTTP's "deflate" is the zlib format


__all__ = ["DEFAULT_MINIMUM_SIZE", "MAXIMUM_SIZE", "SUPPORTED", "chosen_coding", "compressed"]
