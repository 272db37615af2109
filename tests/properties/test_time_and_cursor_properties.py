"""The text forms the stores rely on: times that sort as text, and cursors that round-trip."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from orders_adapters.testing.strategies import aware_datetimes
from orders_core import CursorCodec, InvalidCursor, format_time, parse_time

KEY = b"property-tests-cursor-key-000001"
json_text = st.text(max_size=40)
mappings = st.dictionaries(json_text, json_text, max_size=4)


@given(aware_datetimes())
def test_a_time_survives_its_text_form_in_utc(moment: datetime) -> None:
    parsed = parse_time(format_time(moment))
    assert parsed == moment
    assert parsed.utcoffset() is not None
    assert not parsed.utcoffset()


@given(aware_datetimes(), aware_datetimes())
def test_time_text_sorts_in_time_order(first: datetime, second: datetime) -> None:
    assert (format_time(first) < format_time(second)) == (first < second)
    assert len(format_time(first)) == len(format_time(second))


@given(mappings, mappings)
def test_a_cursor_returns_its_position_in_its_scope(
    position: dict[str, str], scope: dict[str, str]
) -> None:
    codec = CursorCodec(KEY)
    assert codec.decode(codec.encode(position, scope), scope) == position


@given(mappings, mappings, mappings)
def test_a_cursor_is_refused_in_any_other_scope(
    position: dict[str, str], scope: dict[str, str], other: dict[str, str]
) -> None:
    assume(other != scope)
    codec = CursorCodec(KEY)
    with pytest.raises(InvalidCursor):
        codec.decode(codec.encode(position, scope), other)


@given(mappings, st.data())
def test_changing_any_character_of_a_cursor_invalidates_it(
    position: dict[str, str], data: st.DataObject
) -> None:
    codec = CursorCodec(KEY)
    scope = {"customer": "alice", "status": ""}
    cursor = codec.encode(position, scope)
    index = data.draw(st.integers(0, len(cursor) - 1), label="index")
    replacement = data.draw(st.characters(codec="ascii"), label="replacement")
    assume(replacement != cursor[index])
    with pytest.raises(InvalidCursor):
        codec.decode(cursor[:index] + replacement + cursor[index + 1 :], scope)
