"""Every published event type has a committed, versioned JSON Schema; every event the service
emits validates against its type's newest schema; and no locked version changes what it
accepts."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any, Final, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft4Validator, FormatChecker

from orders_adapters.memory import InMemoryOrderRepository
from orders_adapters.testing.strategies import (
    currencies,
    customer_ids,
    discount_percents,
    new_lines,
)
from orders_core import (
    DELETABLE,
    CancelReason,
    CustomerTier,
    EventType,
    FixedDiscounts,
    OrderEvent,
    OrderId,
    OrderStatus,
    Principal,
)
from orders_core.testing import ManualClock, lifecycle_paths
from tests.events.schema_lock import (
    breaking_changes,
    latest_versions,
    lock_problems,
    locked,
    new_type_schema,
    schema_files,
)
from tests.support.service import ALICE, STAFF, Service, a_line

# A step after placement: a lifecycle move, or one of the two changes the transition table
# does not hold (an expiry at the payment deadline, a deletion).
Step = OrderStatus | Literal["expire", "delete"]


def _expire(service: Service, order_id: str) -> None:
    """Past the order's deadline, then expire it (the workflow's or scheduler's step)."""
    due = service.get(STAFF, order_id).payment_due
    assert due is not None
    clock = service.clock
    assert isinstance(clock, ManualClock)
    clock.set(max(due, clock.peek()))
    assert service.expire(STAFF, order_id).changed


def take(service: Service, order_id: str, step: Step) -> None:
    if step == "expire":
        _expire(service, order_id)
    elif step == "delete":
        service.delete(STAFF, order_id)
    else:
        # The move each transition's use case makes (Order.move_to), stored with its event:
        # a status the lifecycle gains is reached without a use case named here.
        order = service.store.get(OrderId(order_id))
        event = order.move_to(step, at=service.clock.now())
        service.store.save(order, expected_version=order.version - 1, events=[event])


def _endings() -> tuple[tuple[Step, ...], ...]:
    """Every path an order can take after placement and any line updates: each path of the
    lifecycle (read from core's transition table), also followed by a deletion where its
    status allows one, and the expiry with and without a deletion after it."""
    endings: list[tuple[Step, ...]] = []
    for status, paths in lifecycle_paths().items():
        for path in paths:
            endings.append(path)
            if status in DELETABLE:
                endings.append((*path, "delete"))
    return (*endings, ("expire",), ("expire", "delete"))


ENDINGS: Final = _endings()


@cache
def validators() -> dict[str, Draft4Validator]:
    return {
        kind: Draft4Validator(schema, format_checker=FormatChecker())
        for kind, schema in latest_versions().items()
    }


def problems(event: OrderEvent) -> list[str]:
    validator = validators()[event.type.value]
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(event.to_record())
    ]


def test_every_schema_file_is_a_valid_draft_4_schema() -> None:
    for name, schema in schema_files().items():
        Draft4Validator.check_schema(schema)
        assert schema["properties"]["type"]["enum"] == [name.split(".")[0]], name


def test_every_event_type_has_a_schema() -> None:
    assert sorted(latest_versions()) == sorted(t.value for t in EventType)


@st.composite
def histories(draw: st.DrawFn) -> list[OrderEvent]:
    """The events of one order's life, made by the use cases."""
    percents = st.none() | discount_percents().filter(lambda p: p <= 25)
    pricing = FixedDiscounts(premium=draw(percents), campaign=draw(percents))
    service = Service(InMemoryOrderRepository(), pricing=pricing)
    customer = Principal.customer(draw(customer_ids()), draw(st.sampled_from(CustomerTier)))
    currency = draw(currencies())
    order_id = service.place(customer, currency=currency, lines=draw(new_lines(currency))).id
    for _ in range(draw(st.integers(0, 2))):
        version = service.get(STAFF, order_id).version
        service.update(STAFF, order_id, expected_version=version, lines=draw(new_lines(currency)))
    for step in draw(st.sampled_from(ENDINGS)):
        take(service, order_id, step)
    return service.store.all_events()


@given(histories())
def test_every_event_the_service_emits_validates_against_its_schema(
    events: list[OrderEvent],
) -> None:
    for event in events:
        assert problems(event) == [], event.type


def test_the_endings_between_them_emit_every_event_type() -> None:
    emitted: set[EventType] = set()
    for ending in ENDINGS:
        service = Service(InMemoryOrderRepository())
        order_id = service.place(ALICE, currency="EUR", lines=[a_line()]).id
        service.update(STAFF, order_id, expected_version=1, lines=[a_line(quantity=2)])
        for step in ending:
            take(service, order_id, step)
        emitted |= {event.type for event in service.store.all_events()}
    assert emitted == set(EventType)


def test_a_cancellation_says_why_and_other_events_carry_no_reason() -> None:
    reasons: dict[str, list[CancelReason | None]] = {}
    steps: dict[str, Callable[[Service, str], object]] = {
        "cancel": lambda s, o: s.cancel(STAFF, o),
        "expire": _expire,
        "pay": lambda s, o: s.mark_paid(STAFF, o),
    }
    for ending, step in steps.items():
        service = Service(InMemoryOrderRepository())
        order_id = service.place(ALICE, currency="EUR", lines=[a_line()]).id
        step(service, order_id)
        reasons[ending] = [e.reason for e in service.store.all_events()]
        for event in service.store.all_events():
            assert (
                event.order["payment_due"]
                == service.get(STAFF, order_id).to_record()["payment_due"]
            )
            assert problems(event) == [], event.type

    assert reasons == {
        "cancel": [None, CancelReason.REQUESTED],
        "expire": [None, CancelReason.PAYMENT_DEADLINE],
        "pay": [None, None],
    }


def test_a_reason_on_an_event_other_than_a_cancellation_breaks_its_schema() -> None:
    service = Service(InMemoryOrderRepository())
    service.place(ALICE, currency="EUR", lines=[a_line()])
    record = {**service.store.all_events()[0].to_record(), "reason": "requested"}

    assert problems(OrderEvent.from_record(record)) == [
        ": Additional properties are not allowed ('reason' was unexpected)"
    ]


def test_an_event_that_breaks_its_schema_is_caught() -> None:
    service = Service(InMemoryOrderRepository())
    service.place(ALICE, currency="EUR", lines=[a_line()])
    record = service.store.all_events()[0].to_record()
    record["order"] = {**record["order"], "status": "PAID"}

    assert problems(OrderEvent.from_record(record)) == [
        "order/status: 'PAID' is not one of ['PENDING']"
    ]


def test_a_new_types_schema_is_an_existing_types_newest_with_its_type_and_statuses() -> None:
    shipped = latest_versions()["OrderShipped"]
    made = new_type_schema(
        "OrderShipped", like="OrderDelivered", statuses=["SHIPPED"], says="An order was shipped."
    )

    assert breaking_changes({**shipped, "id": None}, {**made, "id": None}) == []
    assert made["id"] == "urn:orders-service:events:OrderShipped:v1"
    assert made["title"] == "OrderShipped v1"
    assert made["description"] == (
        "An order was shipped. "
        "The EventBridge detail of detail-type OrderShipped from source orders."
    )
    Draft4Validator.check_schema(made)


# -- the lock --------------------------------------------------------------------------------


def test_no_locked_schema_version_changes_what_it_accepts() -> None:
    assert lock_problems(locked(), schema_files()) == []


def test_every_schema_version_is_locked() -> None:
    unlocked = sorted(set(schema_files()) - set(locked()))
    assert unlocked == [], f"lock new versions with: python -m tests.events.schema_lock: {unlocked}"


@pytest.fixture
def placed() -> dict[str, Any]:
    return copy.deepcopy(locked()["OrderPlaced.v1.json"])


def test_removing_a_required_field_is_a_breaking_change(placed: dict[str, Any]) -> None:
    changed = copy.deepcopy(placed)
    changed["required"].remove("occurred_at")

    assert breaking_changes(placed, changed) == ["#/required: required field 'occurred_at' removed"]


def test_changing_a_type_is_a_breaking_change(placed: dict[str, Any]) -> None:
    changed = copy.deepcopy(placed)
    changed["properties"]["order_version"]["type"] = "string"

    assert breaking_changes(placed, changed) == [
        "#/properties/order_version/type: type changed from 'integer' to 'string'"
    ]


def test_tightening_a_constraint_is_a_breaking_change(placed: dict[str, Any]) -> None:
    changed = copy.deepcopy(placed)
    changed["definitions"]["customer_id"]["maxLength"] = 64
    changed["definitions"]["order"]["properties"]["status"]["enum"] = []

    assert breaking_changes(placed, changed) == [
        "#/definitions/customer_id/maxLength: maxLength tightened from 128 to 64",
        "#/definitions/order/properties/status/enum: enum narrowed, 'PENDING' no longer allowed",
    ]


def test_removing_a_property_or_adding_a_required_one_is_a_breaking_change(
    placed: dict[str, Any],
) -> None:
    changed = copy.deepcopy(placed)
    del changed["properties"]["customer_id"]
    changed["required"].append("channel")

    assert breaking_changes(placed, changed) == [
        "#/properties/customer_id: removed",
        "#/required: field 'channel' newly required",
    ]


def test_rewording_a_description_is_not_a_breaking_change(placed: dict[str, Any]) -> None:
    changed = copy.deepcopy(placed)
    changed["description"] = "Said differently."
    changed["properties"]["event_id"]["description"] = "Also said differently."

    assert breaking_changes(placed, changed) == []


def test_a_new_version_file_breaks_nothing_but_removing_a_locked_one_does(
    placed: dict[str, Any],
) -> None:
    v2 = copy.deepcopy(placed)
    v2["required"].append("channel")
    v2["properties"]["channel"] = {"type": "string"}
    lock = {"OrderPlaced.v1.json": placed}

    assert lock_problems(lock, {"OrderPlaced.v1.json": placed, "OrderPlaced.v2.json": v2}) == []
    assert lock_problems(lock, {"OrderPlaced.v2.json": v2}) == [
        "OrderPlaced.v1.json: a locked version was removed"
    ]
