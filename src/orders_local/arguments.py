"""The argument types of the ``orders`` commands: each refuses a bad value in one line that
says what is wrong."""

from __future__ import annotations

import argparse
from typing import Final

MAX_PORT: Final = 65535


def _number(text: str, kind: type[int] | type[float], what: str) -> int | float:
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None


def port(text: str) -> int:
    value = int(_number(text, int, "a port number"))
    if not 0 <= value <= MAX_PORT:
        raise argparse.ArgumentTypeError(
            f"{value} is not a port: 1 to {MAX_PORT}, or 0 for a free one"
        )
    return value


def seconds(text: str) -> float:
    value = float(_number(text, float, "a number of seconds"))
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a positive number of seconds")
    return value


def positive(text: str) -> int:
    value = int(_number(text, int, "a whole number"))
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


__all__ = ["MAX_PORT", "port", "positive", "seconds"]
