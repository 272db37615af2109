"""``orders serve``'s execution environments, as a client meets them: one request at a time
each, a bounded queue with throttling past it, a killed environment costing only its own
request, and a graceful stop that answers every request it accepted."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from tests.support.http_client import ApiClient, Reply, new_order
from tests.support.local_server import RunningServer, orders_serve, stop
from tests.support.processes import banner_pids, environments, wait_for_environments

pytestmark = pytest.mark.slow


@contextmanager
def frozen(pid: int) -> Iterator[None]:
    """``pid`` stopped (SIGSTOP) for the block: requests sent to it wait, as on a busy one."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)


class Pending:
    """A request running on a thread of its own, for requests that must be in flight."""

    def __init__(self, call: Callable[[], Reply]) -> None:
        self.reply: Reply | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], Reply]) -> None:
        try:
            self.reply = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            self.error = exc

    def result(self, timeout: float = 30.0) -> Reply:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the request got no answer"
        if self.error is not None:
            raise self.error
        assert self.reply is not None
        return self.reply


def _settle() -> None:
    threading.Event().wait(0.5)  # the gateway has read and dispatched what was sent


def _assert_error(reply: Reply, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, reply
    error: dict[str, Any] = reply.json()["error"]
    assert error["code"] == code
    assert error["request_id"] == reply.header("X-Amzn-RequestId")
    return error


@pytest.fixture
def one_environment(tmp_path: Path) -> Iterator[RunningServer]:
    with orders_serve(tmp_path, "--workers", "1", "--queue", "1") as running:
        yield running


def test_the_server_runs_as_many_environments_as_asked(tmp_path: Path) -> None:
    with orders_serve(tmp_path, "--workers", "3") as running:
        assert sorted(banner_pids(running.output())) == environments(running.process.pid)
        assert len(environments(running.process.pid)) == 3


def _in_flight_and_queued(api: ApiClient) -> tuple[Pending, Pending]:
    """One create on the (frozen) environment and one waiting in the queue behind it."""
    running = Pending(lambda: api.post("/orders", json_body=new_order()))
    _settle()
    queued = Pending(lambda: api.post("/orders", json_body=new_order()))
    _settle()
    return running, queued


def test_a_full_queue_is_throttled_with_retry_after(one_environment: RunningServer) -> None:
    api = ApiClient(one_environment.url, customer="queue")
    (environment,) = environments(one_environment.process.pid)
    with frozen(environment):
        running, queued = _in_flight_and_queued(api)
        throttled = api.get("/orders")
        _assert_error(throttled, 429, "THROTTLED")
        assert throttled.header("Retry-After") == "1"
    assert running.result().status == 201
    assert queued.result().status == 201
    assert api.get("/orders").status == 200


def test_a_killed_environment_fails_only_its_request_and_is_replaced(
    one_environment: RunningServer,
) -> None:
    api = ApiClient(one_environment.url, customer="killed")
    (environment,) = environments(one_environment.process.pid)
    with frozen(environment):
        doomed, queued = _in_flight_and_queued(api)
        os.kill(environment, signal.SIGKILL)
    error = _assert_error(doomed.result(), 502, "ENVIRONMENT_LOST")
    assert "Idempotency-Key" in error["message"]
    assert queued.result().status == 201  # served by the replacement
    (replacement,) = wait_for_environments(one_environment.process.pid, 1)
    assert replacement != environment
    assert api.get("/orders").json()["items"][0]["id"] == queued.result().json()["id"]


def test_an_environment_that_dies_idle_costs_no_request(one_environment: RunningServer) -> None:
    api = ApiClient(one_environment.url, customer="idle")
    (environment,) = environments(one_environment.process.pid)
    os.kill(environment, signal.SIGKILL)
    wait_for_environments(one_environment.process.pid, 1)
    assert api.post("/orders", json_body=new_order()).status == 201


def test_sigterm_answers_every_accepted_request_and_keeps_every_write(tmp_path: Path) -> None:
    with orders_serve(tmp_path, "--workers", "1", "--queue", "8") as running:
        api = ApiClient(running.url, customer="graceful")
        (environment,) = environments(running.process.pid)
        with frozen(environment):
            pending = [
                Pending(lambda: api.post("/orders", json_body=new_order())) for _ in range(4)
            ]
            _settle()
            running.process.send_signal(signal.SIGTERM)
            _settle()
        replies = [p.result() for p in pending]
        assert [r.status for r in replies] == [201] * 4
        assert stop(running) == 0
        assert "orders serve: stopped" in running.output()
    with orders_serve(tmp_path) as restarted:
        api = ApiClient(restarted.url, customer="graceful")
        for reply in replies:
            assert api.get(f"/orders/{reply.json()['id']}").status == 200
