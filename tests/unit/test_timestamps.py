"""The one text form of time: fixed-width UTC, whatever offset a moment comes with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from orders_core import format_time, parse_time

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_one_instant_has_one_text_whatever_its_offset() -> None:
    east = NOON.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert format_time(NOON) == "2026-12-01T12:00:00.000000+00:00"
    assert format_time(east) == format_time(NOON)
    assert parse_time(format_time(east)) == NOON


def test_a_naive_moment_is_refused_even_after_its_wall_time_was_formatted() -> None:
    format_time(NOON)  # formatted (and remembered) first
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(NOON.replace(tzinfo=None))


def test_moments_a_microsecond_apart_have_different_texts() -> None:
    later = NOON + timedelta(microseconds=1)
    assert format_time(NOON) == "2026-12-01T12:00:00.000000+00:00"
    assert format_time(later) == "2026-12-01T12:00:00.000001+00:00"
    assert format_time(later.astimezone(timezone(-timedelta(hours=3)))) == format_time(later)
