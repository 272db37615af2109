"""orders_core.testing: the clock, ids, recorder and builder a test author gets with the base
install."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from orders_adapters.memory import InMemoryOrderRepository
from orders_core import (
    EventType,
    IllegalTransition,
    InvalidInput,
    NewLine,
    OrderId,
    OrderStatus,
    Principal,
    VersionConflict,
)
from orders_core.testing import (
    EPOCH,
    EventRecorder,
    ManualClock,
    OrderBuilder,
    SequentialIds,
    UseCases,
    lifecycle_paths,
    line,
    placed_order,
)
from tests.unit.test_order import LEGAL, PATHS


def test_a_manual_clock_stands_still_until_moved() -> None:
    clock = ManualClock()
    assert clock.now() == clock.now() == EPOCH
    assert clock.advance(timedelta(minutes=5)) == EPOCH + timedelta(minutes=5)
    assert clock.now() == EPOCH + timedelta(minutes=5)


def test_a_ticking_clock_moves_on_after_every_read_but_not_on_a_peek() -> None:
    clock = ManualClock(EPOCH, tick=timedelta(seconds=2))
    assert clock.peek() == EPOCH
    assert [clock.now(), clock.now()] == [EPOCH, EPOCH + timedelta(seconds=2)]
    assert clock.peek() == EPOCH + timedelta(seconds=4)


def test_a_manual_clock_goes_back_only_when_asked() -> None:
    clock = ManualClock()
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="backwards=True"):
        clock.set(EPOCH - timedelta(days=1))
    assert clock.now() == EPOCH
    clock.set(EPOCH - timedelta(days=1), backwards=True)
    assert clock.now() == EPOCH - timedelta(days=1)


def test_a_manual_clock_refuses_naive_times_and_negative_ticks() -> None:
    with pytest.raises(ValueError, match="aware"):
        ManualClock(datetime(2026, 1, 1))  # noqa: DTZ001 - the naive time is the point
    with pytest.raises(ValueError, match="tick"):
        ManualClock(tick=timedelta(seconds=-1))


def test_sequential_ids_count_up_from_the_start_with_the_prefix() -> None:
    ids = SequentialIds("shop", start=41)
    assert [ids.new_order_id(), ids.new_order_id()] == ["shop-000041", "shop-000042"]


def test_sequential_ids_refuse_a_prefix_no_order_id_can_have() -> None:
    with pytest.raises(InvalidInput):
        SequentialIds("no spaces")


def test_the_recorder_keeps_the_events_of_successful_writes_in_write_order() -> None:
    recorder = EventRecorder(InMemoryOrderRepository())
    first, placed_first = placed_order("order-a")
    second, placed_second = placed_order("order-b")
    recorder.add(second, [placed_second])
    recorder.add(first, [placed_first])
    stale = recorder.get(first.id)
    recorder.save(first, expected_version=1, events=[first.mark_paid(at=EPOCH)])
    with pytest.raises(VersionConflict):
        recorder.save(stale, expected_version=1, events=[stale.cancel(at=EPOCH)])
    assert [(e.order_id, e.type) for e in recorder.events] == [
        ("order-b", EventType.ORDER_PLACED),
        ("order-a", EventType.ORDER_PLACED),
        ("order-a", EventType.ORDER_PAID),
    ]
    recorder.clear()
    assert recorder.types() == []


@pytest.mark.parametrize("status", list(OrderStatus))
def test_the_builder_reaches_every_status_through_the_real_transitions(
    status: OrderStatus,
) -> None:
    order, events = OrderBuilder().in_status(status).build_with_events()
    assert order.status is status
    assert order.version == len(events)
    assert [e.order_version for e in events] == list(range(1, len(events) + 1))
    assert events[0].type is EventType.ORDER_PLACED


def _walks(path: tuple[OrderStatus, ...]) -> list[tuple[OrderStatus, ...]]:
    """Every path through the spec's legal moves that starts with ``path``, depth first."""
    here = path[-1] if path else OrderStatus.PENDING
    longer = [(*path, b) for a, b in sorted(LEGAL) if a == here and b not in path]
    return [path, *(walk for step in longer for walk in _walks(step))]


def test_the_kits_lifecycle_paths_are_every_path_the_specs_moves_allow() -> None:
    paths = lifecycle_paths()
    assert sorted(p for ending in paths.values() for p in ending) == sorted(_walks(()))
    for status, ending in paths.items():
        assert all((p[-1] if p else OrderStatus.PENDING) is status for p in ending)
        assert [len(p) for p in ending] == sorted(len(p) for p in ending), status
    assert paths[OrderStatus.CANCELLED] == (
        (OrderStatus.CANCELLED,),
        (OrderStatus.PAID, OrderStatus.CANCELLED),
    )


@pytest.mark.parametrize("status", list(OrderStatus))
def test_the_builders_path_to_a_status_is_the_specs_shortest(status: OrderStatus) -> None:
    assert OrderBuilder().in_status(status).path == PATHS[status]


def test_the_builder_follows_an_explicit_path_and_refuses_an_illegal_one() -> None:
    order = OrderBuilder().paid().cancelled().build()
    assert (order.status, order.version) == (OrderStatus.CANCELLED, 3)
    with pytest.raises(IllegalTransition):
        OrderBuilder().shipped().build()


def test_a_built_order_stored_in_a_repository_has_its_whole_history() -> None:
    repo = InMemoryOrderRepository()
    builder = OrderBuilder(order_id="o-7", customer_id="alice", currency="JPY")
    order = builder.with_lines(line("A-1", 3, "120", "JPY")).in_status(OrderStatus.SHIPPED)
    stored = order.store_in(repo)
    assert repo.get(OrderId("o-7")).same_state(stored)
    assert [e.type for e in repo.events_for(OrderId("o-7"))] == [
        EventType.ORDER_PLACED,
        EventType.ORDER_PAID,
        EventType.ORDER_SHIPPED,
    ]


def test_the_wired_use_cases_share_one_store_clock_and_ids() -> None:
    clock = ManualClock()
    app = UseCases(InMemoryOrderRepository(), clock=clock, ids=SequentialIds())
    alice = Principal.customer("alice")
    order = app.place(alice, currency="EUR", lines=[NewLine("A-1", 1, "5")])
    assert (order.id, order.created_at) == ("order-000001", EPOCH)
    assert app.get(alice, order.id).same_state(order)
