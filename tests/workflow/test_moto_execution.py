"""The payment deadline workflow executed end to end on moto's Step Functions interpreter.

moto runs as a separate process on loopback (threaded: the interpreter runs an execution on
its own thread and calls the server back over HTTP, so the server names its own port in
``MOTO_PORT``), with ``stepfunctions.execute_state_machine`` and Lambda without Docker turned
on through moto's config API.

**The Lambda task is stubbed at the boundary, not run through moto.** moto runs a function's
code only in Docker, which this machine (and CI) does not have; without Docker, moto's Lambda
answers each invocation with the next response a test has queued. The test queues the
answers the real expiry entrypoint (``orders_lambda.consumers.expiry.handler``) gave, called
in this process on an in-memory store at the moments the workflow will invoke it, so what the
interpreter routes on is what the function really says. What moto then executes for real:
the Pass state that turns ``payment_due`` into a Wait timestamp, the Wait on it (its timing
is checked), the ``lambda:invoke`` integration and the OutputPath, the Choice that waits
again when the function says "not due yet", and the execution name that refuses a second
run for the same order.

Not exercised here, and why: the Retry and Catch on the function's own errors (moto's Lambda
without Docker never reports a function error, so no StoreUnavailable can be raised through
it; the ASL validator and tests/infra check those clauses, and tests/events check that the
function raises exactly the error names the Retry lists); and the Express starter's
``states:startExecution`` task (moto 5.2's interpreter passes the task's parameters to
botocore under their ASL names, ``StateMachineArn``, where botocore wants
``stateMachineArn``, and fails every such task): its naming rule is checked here on moto's
StartExecution directly.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from deploy_pulumi.orders_stack.workflow_definitions import deadline_definition

from orders_adapters.memory import InMemoryOrderRepository
from orders_core import NewLine, OrderStatus, Principal, format_time
from orders_core.testing import ManualClock, UseCases
from orders_lambda.consumers.expiry import wait_timestamp
from orders_lambda.entrypoints import expiry
from tests.support.installed import installed
from tests.support.moto_server import AWS_TEST_ENVIRONMENT, moto_server

SFNClient = Any  # no type stubs for the Step Functions client are installed

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REGION = AWS_TEST_ENVIRONMENT["AWS_REGION"]
ALICE = Principal.customer("alice")
EXECUTION_TIMEOUT = 30.0


@pytest.fixture(scope="module")
def moto_sfn(aws_test_environment: None) -> Iterator[str]:
    """A threaded moto server that executes state machines, with dummy credentials only."""
    with moto_server(threaded=True) as url:
        config = {"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}
        _post(f"{url}/moto-api/config", config)
        yield url


def _post(url: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(  # noqa: S310 - the moto server on loopback
        url, data=json.dumps(body).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        assert answer.status in {200, 201}


def _client(url: str, service: Any) -> Any:
    return boto3.client(service, endpoint_url=url, region_name=REGION)


@pytest.fixture
def deployed(moto_sfn: str) -> dict[str, str]:
    """The expiry function, the DLQ and the Standard state machine, on moto."""
    suffix = str(time.monotonic_ns())
    role = _client(moto_sfn, "iam").create_role(
        RoleName=f"deadline-{suffix}", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    function = _client(moto_sfn, "lambda").create_function(
        FunctionName=f"expiry-{suffix}",
        Runtime="python3.11",
        Role=role,
        Handler="orders_lambda.consumers.expiry.handler",
        Code={"ZipFile": b"not run: moto without Docker"},
    )["FunctionArn"]
    dlq = _client(moto_sfn, "sqs").create_queue(QueueName=f"deadline-dlq-{suffix}")["QueueUrl"]
    machine = _client(moto_sfn, "stepfunctions").create_state_machine(
        name=f"deadline-{suffix}",
        definition=json.dumps(deadline_definition(function, dlq)),
        roleArn=role,
    )["stateMachineArn"]
    return {"machine": machine, "dlq": dlq}


class RealExpiry:
    """The real expiry entrypoint on an in-memory store with a clock the test moves."""

    def __init__(self) -> None:
        self.clock = ManualClock(datetime.now(UTC))
        self.store = InMemoryOrderRepository()
        self.service = UseCases(self.store, clock=self.clock)

    def place(self, deadline: timedelta) -> tuple[str, datetime]:
        order = UseCases(self.store, clock=self.clock, deadlines=_Fixed(deadline)).place(
            ALICE, currency="EUR", lines=[NewLine("SKU-1", 1, "5.00")]
        )
        assert order.payment_due is not None
        return order.id, order.payment_due

    def answer_at(self, moment: datetime, order_id: str) -> str:
        self.clock.set(moment)
        return json.dumps(expiry.handler({"order_id": order_id}, None))


class _Fixed:
    def __init__(self, window: timedelta) -> None:
        self.window = window

    def payment_window(self) -> timedelta:
        return self.window


@pytest.fixture
def real_expiry(monkeypatch: pytest.MonkeyPatch) -> Iterator[RealExpiry]:
    real = RealExpiry()
    with installed(monkeypatch, real.store, real.clock):
        yield real


def _queue_answers(url: str, *answers: str) -> None:
    _post(
        f"{url}/moto-api/static/lambda-simple/response",
        {"results": list(answers), "region": REGION},
    )


def _finished(sfn: SFNClient, execution: str) -> dict[str, Any]:
    deadline = time.monotonic() + EXECUTION_TIMEOUT
    while True:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return dict(described)
        time.sleep(0.1)


def _run(sfn: SFNClient, machine: str, order_id: str, due: datetime) -> tuple[str, dict[str, Any]]:
    """Start the order's run as the starter would (named by the order id) and wait for it."""
    execution: str = sfn.start_execution(
        stateMachineArn=machine,
        name=order_id,
        input=json.dumps({"order_id": order_id, "payment_due": format_time(due)}),
    )["executionArn"]
    return execution, _finished(sfn, execution)


def _history(sfn: SFNClient, execution: str) -> list[dict[str, Any]]:
    return [dict(e) for e in sfn.get_execution_history(executionArn=execution)["events"]]


def test_an_unpaid_order_is_expired_when_its_deadline_comes(
    moto_sfn: str, deployed: dict[str, str], real_expiry: RealExpiry
) -> None:
    order_id, due = real_expiry.place(timedelta(seconds=4))
    cancelled = real_expiry.answer_at(due, order_id)
    assert json.loads(cancelled)["status"] == OrderStatus.CANCELLED
    _queue_answers(moto_sfn, cancelled)
    sfn = _client(moto_sfn, "stepfunctions")

    started = datetime.now(UTC)
    execution, done = _run(sfn, deployed["machine"], order_id, due)

    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"])["status"] == "CANCELLED"
    events = _history(sfn, execution)
    invoked = [e for e in events if e["type"] == "TaskScheduled"]
    assert len(invoked) == 1
    # At the deadline: moto's Wait drops the fraction of the timestamp and of the seconds
    # left, so it fires up to 2 s early (the function's "not yet" covers that: next test).
    assert started < due - timedelta(seconds=2)
    assert due - timedelta(seconds=2) <= invoked[0]["timestamp"] <= due + timedelta(seconds=5)
    entered = [e["type"] for e in events if e["type"].endswith("StateEntered")]
    assert entered == [
        "PassStateEntered",
        "WaitStateEntered",
        "TaskStateEntered",
        "ChoiceStateEntered",
        "SucceedStateEntered",
    ]
    assert real_expiry.store.get(order_id).status is OrderStatus.CANCELLED  # type: ignore[arg-type]


def test_a_timer_early_by_the_functions_clock_waits_again_then_expires(
    moto_sfn: str, deployed: dict[str, str], real_expiry: RealExpiry
) -> None:
    order_id, due = real_expiry.place(timedelta(seconds=2))
    # What the function answers when the workflow's timer fires a moment before its own clock
    # reaches the deadline, and then once it has.
    early = real_expiry.answer_at(due - timedelta(milliseconds=200), order_id)
    assert json.loads(early) == {
        "order_id": order_id,
        "status": "PENDING",
        "changed": False,
        "version": 1,
        "wait_until": wait_timestamp(due),
    }
    on_time = real_expiry.answer_at(due, order_id)
    _queue_answers(moto_sfn, early, on_time)
    sfn = _client(moto_sfn, "stepfunctions")

    execution, done = _run(sfn, deployed["machine"], order_id, due)

    assert done["status"] == "SUCCEEDED", done
    entered = [e["type"] for e in _history(sfn, execution) if e["type"].endswith("StateEntered")]
    assert entered == [
        "PassStateEntered",
        "WaitStateEntered",
        "TaskStateEntered",
        "ChoiceStateEntered",
        "WaitStateEntered",
        "TaskStateEntered",
        "ChoiceStateEntered",
        "SucceedStateEntered",
    ]


def test_a_paid_order_ends_the_run_without_a_change(
    moto_sfn: str, deployed: dict[str, str], real_expiry: RealExpiry
) -> None:
    order_id, due = real_expiry.place(timedelta(seconds=1))
    real_expiry.service.mark_paid(Principal.staff("service:payments"), order_id)
    left_alone = real_expiry.answer_at(due + timedelta(seconds=1), order_id)
    assert json.loads(left_alone)["status"] == "PAID"
    _queue_answers(moto_sfn, left_alone)
    sfn = _client(moto_sfn, "stepfunctions")

    _, done = _run(sfn, deployed["machine"], order_id, due)

    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == json.loads(left_alone)


def test_a_second_start_for_the_same_order_is_refused_by_its_execution_name(
    moto_sfn: str, deployed: dict[str, str]
) -> None:
    sfn = _client(moto_sfn, "stepfunctions")
    due = format_time(datetime.now(UTC) + timedelta(hours=1))
    first = {"order_id": "order-twice", "payment_due": due}
    sfn.start_execution(
        stateMachineArn=deployed["machine"], name="order-twice", input=json.dumps(first)
    )
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(
            stateMachineArn=deployed["machine"],
            name="order-twice",
            input=json.dumps({**first, "redelivered": True}),
        )
    executions = sfn.list_executions(stateMachineArn=deployed["machine"])["executions"]
    assert [e["name"] for e in executions] == ["order-twice"]
    sfn.stop_execution(executionArn=executions[0]["executionArn"])
