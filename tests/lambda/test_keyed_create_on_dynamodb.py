"""A keyed create on DynamoDB (moto server, the container built from the environment alone)
with a failure injected between its writes: the Powertools claim (PutItem on the idempotency
table), the order with its outbox event (one TransactWriteItems) and the claim's completion
(UpdateItem). Whichever write fails, or whichever answer is lost, the retry gives one order.

Faults come from botocore event hooks on the container's own client: a ``before-call`` hook
stops a request before it is sent, an ``after-call`` hook loses the answer of a request that
was applied (a timeout on the way back). Everything else is real HTTP to moto.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ReadTimeoutError

from orders_core import OrderId
from orders_lambda import container as containers
from tests.support.apigw import NEW_ORDER, Answer, FakeLambdaContext, invoke, rest_event

pytestmark = pytest.mark.integration

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class Fault:
    """Fails one DynamoDB operation once, before it is sent or after it was applied."""

    def __init__(self, client: DynamoDBClient, operation: str, *, after: bool) -> None:
        self.fired = 0
        self._client = client
        self._event = f"{'after' if after else 'before'}-call.dynamodb.{operation}"
        client.meta.events.register(self._event, self._fail)

    def _fail(self, **_: Any) -> None:
        if self.fired:
            return
        self.fired += 1
        raise ReadTimeoutError(endpoint_url="injected")

    def remove(self) -> None:
        self._client.meta.events.unregister(self._event, self._fail)


@pytest.fixture
def fault(aws_container: containers.Container) -> Iterator[Callable[..., Fault]]:
    made: list[Fault] = []

    def inject(operation: str, *, after: bool) -> Fault:
        made.append(Fault(aws_container.dynamodb_client(), operation, after=after))
        return made[-1]

    yield inject
    for each in made:
        each.remove()


def _post(context: FakeLambdaContext | None = None) -> Answer:
    event = rest_event("POST", "/orders", body=NEW_ORDER, headers={"Idempotency-Key": "k-1"})
    return invoke(event, context or FakeLambdaContext())


def _placed_events(container: containers.Container, order_id: str) -> list[str]:
    events = container.repo().events_for(OrderId(order_id))
    return [e.event_id for e in events if e.type == "OrderPlaced"]


def _customers_orders(container: containers.Container) -> list[str]:
    listed = invoke(rest_event("GET", "/orders"), FakeLambdaContext())
    assert listed.status == 200, listed.text
    return [order["id"] for order in listed.json["items"]]


def test_an_order_written_whose_answer_was_lost_is_replayed_on_retry(
    aws_container: containers.Container, fault: Callable[..., Fault]
) -> None:
    lost = fault("TransactWriteItems", after=True)
    first = _post()
    assert (first.status, lost.fired) == (503, 1), first.text
    retry = _post()
    assert retry.status == 201, retry.text
    assert retry.header("Idempotent-Replayed") == "true"
    assert retry.header("ETag") == '"1"'
    assert _customers_orders(aws_container) == [retry.json["id"]]
    assert len(_placed_events(aws_container, retry.json["id"])) == 1


def test_a_claim_never_completed_holds_the_key_until_it_lapses_then_the_order_is_replayed(
    aws_container: containers.Container, fault: Callable[..., Fault]
) -> None:
    # The order is stored, then completing the claim fails: as a process killed between the
    # two. The first call had no Lambda time left, so its claim lapses at once.
    stuck = fault("UpdateItem", after=False)
    first = _post(FakeLambdaContext(remaining_millis=0))
    assert (first.status, stuck.fired) == (503, 1), first.text
    time.sleep(0.002)  # past the claim's millisecond
    retry = _post()
    assert retry.status == 201, retry.text
    assert retry.header("Idempotent-Replayed") == "true"
    assert _customers_orders(aws_container) == [retry.json["id"]]
    assert len(_placed_events(aws_container, retry.json["id"])) == 1
    again = _post()
    assert (again.status, again.text) == (201, retry.text)


def test_a_claim_whose_answer_was_lost_still_gives_one_order(
    aws_container: containers.Container, fault: Callable[..., Fault]
) -> None:
    # The claim is written but its caller hears a timeout and gives up; the retry finds the
    # claim in flight until it lapses.
    lost = fault("PutItem", after=True)
    first = _post(FakeLambdaContext(remaining_millis=0))
    assert (first.status, lost.fired) == (503, 1), first.text
    time.sleep(0.002)
    retry = _post()
    assert retry.status == 201, retry.text
    assert _customers_orders(aws_container) == [retry.json["id"]]


def test_an_order_write_that_never_reached_the_table_leaves_nothing_to_replay(
    aws_container: containers.Container, fault: Callable[..., Fault]
) -> None:
    refused = fault("TransactWriteItems", after=False)
    assert (_post().status, refused.fired) == (503, 1)
    assert _customers_orders(aws_container) == []
    retry = _post()
    assert retry.status == 201, retry.text
    assert retry.header("Idempotent-Replayed") is None
    assert _customers_orders(aws_container) == [retry.json["id"]]
