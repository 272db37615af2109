"""Builders so tests say what matters and default the rest: the shipped kit's, re-exported."""

from __future__ import annotations

from datetime import timedelta

from orders_core.testing import line, placed_order


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


__all__ = ["line", "minutes", "placed_order"]
