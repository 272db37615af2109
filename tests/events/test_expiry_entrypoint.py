"""The payment deadline workflow's task, ``orders_lambda.consumers.expiry.handler``: what it
answers in each case the workflow's Choice routes on, and the errors its Retry and Catch see.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from dependency_injector import providers
from pydantic import ValidationError

from orders_adapters.memory import InMemoryOrderRepository
from orders_core import (
    CancelReason,
    EventType,
    NewLine,
    Order,
    OrderId,
    Principal,
    StoreUnavailable,
)
from orders_core.testing import ManualClock, UseCases
from orders_lambda import bootstrap
from orders_lambda.entrypoints import expiry
from tests.support.installed import installed

ALICE = Principal.customer("alice")
STAFF = Principal.staff("staff:tests")


class Deadline:
    def __init__(self) -> None:
        self.clock = ManualClock()
        self.store = InMemoryOrderRepository()
        self.service = UseCases(self.store, clock=self.clock)

    def place(self) -> str:
        return str(self.service.place(ALICE, currency="EUR", lines=[NewLine("A-1", 1, 1)]).id)

    def run(self, order_id: str) -> dict[str, Any]:
        return expiry.handler({"order_id": order_id}, None)


@pytest.fixture
def deadline(monkeypatch: pytest.MonkeyPatch) -> Iterator[Deadline]:
    found = Deadline()
    with installed(monkeypatch, found.store, found.clock):
        yield found


def test_a_due_unpaid_order_is_cancelled_for_its_deadline(deadline: Deadline) -> None:
    order_id = deadline.place()
    deadline.clock.advance(timedelta(minutes=30))

    assert deadline.run(order_id) == {
        "order_id": order_id,
        "status": "CANCELLED",
        "changed": True,
        "version": 2,
    }
    last = deadline.store.events_for(OrderId(order_id))[-1]
    assert (last.type, last.reason) == (EventType.ORDER_CANCELLED, CancelReason.PAYMENT_DEADLINE)
    # Run again (a retried task): nothing changes, the answer says so.
    assert deadline.run(order_id)["changed"] is False


def test_an_order_not_due_yet_says_when_to_wait_until(deadline: Deadline) -> None:
    order_id = deadline.place()
    deadline.clock.advance(timedelta(minutes=29, seconds=59))

    answer = deadline.run(order_id)

    assert answer["status"] == "PENDING"
    assert answer["changed"] is False
    assert answer["wait_until"] == "2026-01-01T12:30:00.000000Z"


def test_a_paid_or_deleted_order_is_left_alone(deadline: Deadline) -> None:
    paid, deleted = deadline.place(), deadline.place()
    deadline.service.mark_paid(STAFF, paid)
    deadline.service.delete(ALICE, deleted)
    deadline.clock.advance(timedelta(hours=1))

    assert deadline.run(paid) == {
        "order_id": paid,
        "status": "PAID",
        "changed": False,
        "version": 2,
    }
    assert deadline.run(deleted) == {"order_id": deleted, "status": "DELETED", "changed": False}


class BusyStore(InMemoryOrderRepository):
    """A store whose reads fail as a throttled or unreachable one does."""

    def get(self, order_id: OrderId) -> Order:
        raise StoreUnavailable(f"busy reading {order_id}")


def test_a_store_that_is_unavailable_raises_the_error_the_workflow_retries(
    deadline: Deadline,
) -> None:
    order_id = deadline.place()
    bootstrap.container().repo.override(providers.Object(BusyStore()))
    with pytest.raises(StoreUnavailable) as raised:
        deadline.run(order_id)
    # Step Functions names a Lambda error by its exception type: the Retry's ErrorEquals.
    assert type(raised.value).__name__ == "StoreUnavailable"


def test_a_malformed_input_is_refused_and_not_retried(deadline: Deadline) -> None:
    with pytest.raises(ValidationError):
        expiry.handler({"order_id": "not an id!"}, None)
