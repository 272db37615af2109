"""Time as the service stores and shows it: aware datetimes in UTC, and one fixed-width
ISO-8601 text form that sorts in time order."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; naive datetimes are refused, not guessed."""
    if moment.tzinfo is UTC:
        return moment  # what astimezone(UTC) returns too; the common case, made cheap
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return moment.astimezone(UTC)


@lru_cache(maxsize=1024)
def format_time(moment: datetime) -> str:
    """Fixed-width ISO-8601 in UTC, microseconds included, so the text sorts in time order."""
    # Cached: a request formats its order's two or three instants up to ten times (the
    # order's record, its event's snapshot and time, the response). Equal instants give the
    # same text whatever their offset, so caching by equality is exact.
    return utc(moment).isoformat(timespec="microseconds")


def parse_time(text: str) -> datetime:
    """The aware UTC datetime of an ISO-8601 text with an offset (what :func:`format_time`
    writes); a text without one is refused."""
    return utc(datetime.fromisoformat(text))


__all__ = ["format_time", "parse_time", "utc"]
