"""Idempotency-Key on POST /orders: replays, mismatched bodies, calls still in flight."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from dependency_injector import providers

from orders_adapters.memory import InMemoryOrderRepository
from orders_core import Order, OrderEvent, PlaceOrder, StoreUnavailable
from orders_core.use_cases import Placement
from orders_lambda.container import Container
from orders_lambda.http.idempotency import IdempotentCommand
from orders_lambda.http.idempotency_store import SqliteIdempotencyStore
from orders_lambda.http.shapes import Reply
from tests.support.apigw import (
    NEW_ORDER,
    OTHER_CUSTOMER,
    Answer,
    Call,
    FakeLambdaContext,
    invoke,
    rest_event,
)


def _post(call: Call, key: str, body: Any = NEW_ORDER, **event: Any) -> Answer:
    return call("POST", "/orders", body=body, headers={"Idempotency-Key": key}, **event)


def _stored(repo: InMemoryOrderRepository) -> int:
    return len({event.order_id for event in repo.all_events()})


def test_a_retry_replays_the_first_answer_and_says_so(
    call: Call, repo: InMemoryOrderRepository
) -> None:
    first = _post(call, "key-1")
    again = _post(call, "key-1")
    assert (first.status, again.status) == (201, 201)
    assert again.text == first.text
    assert again.header("Location") == first.header("Location")
    assert again.header("ETag") == first.header("ETag")
    assert first.header("Idempotent-Replayed") is None
    assert again.header("Idempotent-Replayed") == "true"
    assert _stored(repo) == 1


def test_the_body_is_compared_as_json_not_as_text(call: Call) -> None:
    first = _post(call, "key-1")
    spaced = call(
        "POST",
        "/orders",
        raw_body='{ "lines": [{"unit_price": "10.00", "quantity": 2, "sku": "SKU-1"}],\n'
        '  "currency": "EUR" }',
        headers={"Idempotency-Key": "key-1"},
    )
    assert spaced.json == first.json


def test_the_same_key_with_another_body_is_a_422(call: Call, repo: InMemoryOrderRepository) -> None:
    _post(call, "key-1")
    other = _post(call, "key-1", body={**NEW_ORDER, "currency": "USD"})
    assert (other.status, other.error_code) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert _stored(repo) == 1


def test_keys_are_scoped_to_the_caller(call: Call, repo: InMemoryOrderRepository) -> None:
    mine = _post(call, "shared-key")
    theirs = _post(call, "shared-key", claims=OTHER_CUSTOMER)
    assert theirs.status == 201
    assert theirs.header("Idempotent-Replayed") is None
    assert theirs.json["id"] != mine.json["id"]
    assert _stored(repo) == 2


def test_without_a_key_every_call_places_an_order(
    call: Call, repo: InMemoryOrderRepository
) -> None:
    call("POST", "/orders", body=NEW_ORDER)
    call("POST", "/orders", body=NEW_ORDER)
    assert _stored(repo) == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "é"])
def test_an_unusable_key_is_a_400(call: Call, key: str) -> None:
    answer = _post(call, key)
    assert (answer.status, answer.error_code) == (400, "BAD_REQUEST")


class _FlakyRepo(InMemoryOrderRepository):
    """Fails the first add, as a throttled table would."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def add(self, order: Order, events: Any) -> None:
        if not self.failed:
            self.failed = True
            raise StoreUnavailable("throttled")
        super().add(order, events)


def test_a_failed_call_leaves_nothing_to_replay(call: Call, container: Container) -> None:
    container.repo.override(providers.Object(_FlakyRepo()))
    assert _post(call, "key-1").status == 503
    retry = _post(call, "key-1")
    assert retry.status == 201
    assert retry.header("Idempotent-Replayed") is None


class _Gate:
    """Holds PlaceOrder inside its call until released, to keep a request in flight."""

    def __init__(self) -> None:
        self.entered, self.release = threading.Event(), threading.Event()

    def hold(self, place: PlaceOrder) -> Any:
        gate = self

        class Held:
            def with_key(self, *args: Any, **kwargs: Any) -> Placement:
                gate.entered.set()
                assert gate.release.wait(10)
                return place.with_key(*args, **kwargs)

        return Held()


@pytest.fixture
def gate(container: Container) -> Iterator[_Gate]:
    gate = _Gate()
    place = container.place_order()
    container.place_order.override(providers.Factory(gate.hold, place))
    yield gate
    gate.release.set()


def _in_background(
    event: dict[str, Any], context: FakeLambdaContext
) -> tuple[threading.Thread, list[Answer]]:
    answers: list[Answer] = []
    thread = threading.Thread(target=lambda: answers.append(invoke(event, context)))
    thread.start()
    return thread, answers


def _keyed(key: str) -> dict[str, Any]:
    return rest_event("POST", "/orders", body=NEW_ORDER, headers={"Idempotency-Key": key})


def test_the_same_key_in_flight_is_a_409_with_retry_after(
    gate: _Gate, context: FakeLambdaContext, repo: InMemoryOrderRepository
) -> None:
    thread, first = _in_background(_keyed("key-1"), FakeLambdaContext())
    assert gate.entered.wait(10)
    busy = invoke(_keyed("key-1"), context)
    assert (busy.status, busy.error_code) == (409, "IDEMPOTENCY_IN_PROGRESS")
    assert busy.header("Retry-After") == "1"
    gate.release.set()
    thread.join(10)
    assert first[0].status == 201
    replay = invoke(_keyed("key-1"), context)
    assert replay.header("Idempotent-Replayed") == "true"
    assert _stored(repo) == 1


def test_a_call_whose_lambda_timed_out_no_longer_blocks_retries(
    gate: _Gate, context: FakeLambdaContext, repo: InMemoryOrderRepository
) -> None:
    # The first invocation had no time left: its in-flight claim lapses at once, as it would
    # once Lambda stopped it.
    thread, first = _in_background(_keyed("key-1"), FakeLambdaContext(remaining_millis=0))
    assert gate.entered.wait(10)
    gate.entered.clear()
    # The claim lapses once its millisecond has passed; a fast retry could land inside it.
    time.sleep(0.002)
    releaser = threading.Timer(0.2, gate.release.set)
    releaser.start()
    retry = invoke(_keyed("key-1"), context)
    releaser.join()
    thread.join(10)
    assert retry.status == 201
    # Both calls ran; the key's order id let one of them store it and the other replay it.
    answers = [first[0], retry]
    assert {a.json["id"] for a in answers} == set(_orders_placed(repo))
    assert sorted(str(a.header("Idempotent-Replayed")) for a in answers) == ["None", "true"]


def test_records_in_a_sqlite_file_outlive_the_process(tmp_path: Path) -> None:
    path = tmp_path / "idempotency.sqlite3"
    calls: list[str] = []

    def command() -> Reply:
        calls.append("ran")
        return Reply(201, {"id": "order-1"}, {"ETag": '"1"'})

    outcomes = []
    for _ in range(2):  # two "processes", one after the other
        store = SqliteIdempotencyStore(path)
        run = IdempotentCommand(store, expires_after_seconds=60)
        context = FakeLambdaContext()
        outcomes.append(run(key="k", scope="c-1", payload={}, context=context, command=command))
        store.close()
    assert calls == ["ran"]
    assert outcomes[1].headers["Idempotent-Replayed"] == "true"
    assert outcomes[1].text == outcomes[0].text


def test_events_are_unchanged_by_a_replay(call: Call, repo: InMemoryOrderRepository) -> None:
    _post(call, "key-1")
    _post(call, "key-1")
    placed: list[OrderEvent] = repo.all_events()
    assert [event.type for event in placed] == ["OrderPlaced"]


# -- a key binds to one order for good: crashes and lost answers -----------------------------


class _FirstRecordNeverCompletes(SqliteIdempotencyStore):
    """Claims work; completing the first record fails, as when the process dies between
    storing the order and completing its record: the claim is left in progress."""

    def __init__(self) -> None:
        super().__init__(":memory:")
        self.died = False

    def _update_record(self, data_record: Any) -> None:
        if not self.died:
            self.died = True
            raise StoreUnavailable("the process died here")
        super()._update_record(data_record)


class _AnswerLost(InMemoryOrderRepository):
    """The first add is stored, then reported as failed: a write that landed but whose answer
    timed out on the way back."""

    def __init__(self) -> None:
        super().__init__()
        self.lost = False

    def add(self, order: Order, events: Any) -> None:
        super().add(order, events)
        if not self.lost:
            self.lost = True
            raise StoreUnavailable("timed out after the write")


def _orders_placed(repo: InMemoryOrderRepository) -> list[str]:
    return [event.order_id for event in repo.all_events() if event.type == "OrderPlaced"]


def test_a_retry_after_a_crash_between_the_order_and_its_record_replays_the_order(
    container: Container, repo: InMemoryOrderRepository
) -> None:
    # The first call's Lambda has no time left, so its abandoned claim lapses at once, as it
    # would once the crashed call's time had run out.
    container.idempotency_store.override(providers.Object(_FirstRecordNeverCompletes()))
    crashed = invoke(_keyed("key-1"), FakeLambdaContext(remaining_millis=0))
    assert crashed.status == 503
    time.sleep(0.002)  # past the claim's millisecond
    retry = invoke(_keyed("key-1"), FakeLambdaContext())
    assert retry.status == 201, retry.text
    assert retry.header("Idempotent-Replayed") == "true"
    assert _orders_placed(repo) == [retry.json["id"]]


def test_a_retry_after_a_lost_answer_replays_the_order_with_the_first_answers_headers(
    container: Container,
) -> None:
    lossy = _AnswerLost()
    container.repo.override(providers.Object(lossy))
    assert invoke(_keyed("key-1"), FakeLambdaContext()).status == 503
    retry = invoke(_keyed("key-1"), FakeLambdaContext())
    assert retry.status == 201, retry.text
    assert retry.header("Idempotent-Replayed") == "true"
    order_id = retry.json["id"]
    assert _orders_placed(lossy) == [order_id]
    assert retry.header("Location") == f"/test/orders/{order_id}"
    assert retry.header("ETag") == '"1"'
    again = invoke(_keyed("key-1"), FakeLambdaContext())
    assert (again.status, again.text) == (201, retry.text)
    assert again.header("Idempotent-Replayed") == "true"


def test_sixteen_concurrent_identical_requests_make_one_order(
    container: Container, repo: InMemoryOrderRepository
) -> None:
    start = threading.Barrier(16, timeout=30)

    def post(_: int) -> Answer:
        start.wait()
        return invoke(_keyed("key-1"), FakeLambdaContext())

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(post, range(16)))

    placed = _orders_placed(repo)
    assert len(placed) == 1
    for answer in answers:
        assert (answer.status, answer.error_code if answer.status != 201 else "") in {
            (201, ""),
            (409, "IDEMPOTENCY_IN_PROGRESS"),
        }, answer.text
        assert answer.status != 201 or answer.json["id"] == placed[0]
    assert [a.header("Idempotent-Replayed") for a in answers if a.status == 201].count(None) == 1


def test_a_sqlite_record_is_taken_over_only_once_expired_or_abandoned(tmp_path: Path) -> None:
    store = SqliteIdempotencyStore(tmp_path / "keys.sqlite3")
    now = int(time.time())

    def claim(key: str, *, expiry: int, in_progress_expiry: int | None = None) -> None:
        # What Powertools asks the layer for when a call with ``key`` starts.
        store._put_record(  # the persistence layer's own interface, as Powertools calls it
            DataRecord(
                idempotency_key=key,
                status="INPROGRESS",
                expiry_timestamp=expiry,
                in_progress_expiry_timestamp=in_progress_expiry,
            )
        )

    def finish(key: str, *, expiry: int) -> None:
        store._update_record(
            DataRecord(idempotency_key=key, status="COMPLETED", expiry_timestamp=expiry)
        )

    try:
        claim("done", expiry=now + 60, in_progress_expiry=(now + 60) * 1000)
        finish("done", expiry=now + 60)
        with pytest.raises(IdempotencyItemAlreadyExistsError):
            claim("done", expiry=now + 60)
        claim("running", expiry=now + 60, in_progress_expiry=(now + 60) * 1000)
        with pytest.raises(IdempotencyItemAlreadyExistsError):
            claim("running", expiry=now + 60)

        claim("old", expiry=now + 60, in_progress_expiry=(now + 60) * 1000)
        finish("old", expiry=now - 1)  # expired
        claim("old", expiry=now + 120)
        claim("crashed", expiry=now + 60, in_progress_expiry=(now - 1) * 1000)  # abandoned
        claim("crashed", expiry=now + 120)
        for key, status in (
            ("done", "COMPLETED"),
            ("old", "INPROGRESS"),
            ("crashed", "INPROGRESS"),
        ):
            record = store._get_record(key)
            assert record.status == status
        assert store._get_record("old").expiry_timestamp == now + 120
    finally:
        store.close()
