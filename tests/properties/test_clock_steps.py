"""Whatever the clock does, an order's time only moves forward.

Clocks step back in production (an NTP correction, a request served by a host whose clock is
behind the last one's). The clock here jumps by any amount either way between calls.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from orders_adapters.memory import InMemoryOrderRepository
from orders_core import EventType, format_time
from tests.support.fakes import EPOCH
from tests.support.service import ALICE, STAFF, Service, a_line

# Steps of up to a day either way, with exact repeats (a frozen clock) and small steps back.
steps = st.lists(
    st.one_of(
        st.integers(-86_400_000_000, 86_400_000_000),
        st.integers(-5_000_000, 0),
        st.just(0),
    ).map(lambda micros: timedelta(microseconds=micros)),
    min_size=8,
    max_size=8,
)


class JumpingClock:
    """Each now() is the previous one moved by the next step (which may be negative); the
    steps repeat, so a use case that reads the clock more than once never runs out."""

    def __init__(self, moves: list[timedelta]) -> None:
        self._moments: Iterator[datetime] = self._walk(moves)

    @staticmethod
    def _walk(moves: list[timedelta]) -> Iterator[datetime]:
        moment = EPOCH
        for move in itertools.cycle(moves):
            moment += move
            yield moment

    def now(self) -> datetime:
        return next(self._moments)


@given(steps, st.integers(0, 3))
def test_updated_at_never_decreases_across_versions_and_events_tell_the_same_time(
    moves: list[timedelta], updates: int
) -> None:
    store = InMemoryOrderRepository()
    service = Service(store, clock=JumpingClock(moves))
    order = service.place(ALICE, currency="EUR", lines=[a_line()])
    for n in range(updates):
        service.update(ALICE, order.id, expected_version=n + 1, lines=[a_line(quantity=n + 2)])
    service.mark_paid(STAFF, order.id)
    service.mark_shipped(STAFF, order.id)
    service.mark_delivered(STAFF, order.id)

    events = store.events_for(order.id)
    assert [e.type for e in events][-3:] == [
        EventType.ORDER_PAID,
        EventType.ORDER_SHIPPED,
        EventType.ORDER_DELIVERED,
    ]
    times = [e.occurred_at for e in events]
    assert times == sorted(times)
    for event in events:
        assert event.order["updated_at"] == format_time(event.occurred_at)
        assert event.order["created_at"] <= event.order["updated_at"]
    final = service.get(ALICE, order.id)
    assert final.updated_at == times[-1]
    assert final.updated_at >= final.created_at
