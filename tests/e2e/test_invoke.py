"""``orders invoke`` on every sample event in events/, run as a user runs it: what it prints,
its exit status, and what a Lambda event may not carry."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from orders_local.invoke import functions
from orders_local.samples import function_route, made_event, route_event
from tests.events.aws import BusWithRule, bus_with_rule, drop_bus, events_client, sqs_client
from tests.support.cli import run_orders
from tests.support.moto_server import AWS_TEST_ENVIRONMENT

pytestmark = pytest.mark.slow

EVENTS = Path(__file__).resolve().parents[2] / "events"
SAMPLE_ORDER_ID = "0b6f3c2e-6a1d-4c53-9d0e-3f1f8f4a7c21"  # the order every sample is about
SHELL = {"PATH": "/usr/bin:/bin", "POWERTOOLS_TRACE_DISABLED": "true"}

# Each sample with --seed, on a fresh store, and the status it answers.
SAMPLES: list[tuple[str, int]] = [
    ("create_order", 201),
    ("get_order", 200),
    ("list_orders", 200),
    ("update_order", 200),
    ("cancel_order", 200),
    ("delete_order", 204),
    ("docs", 200),
]


def _orders(
    workdir: Path, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_orders(workdir, *args, env={**SHELL, **(env or {})})


def _invoke(
    workdir: Path,
    function: str,
    event: Path | dict[str, Any],
    *args: str,
    env: Mapping[str, str] | None = None,
    exit_status: int = 0,
) -> Any:
    if isinstance(event, dict):
        path = workdir / f"{function}.event.json"
        path.write_text(json.dumps(event), encoding="utf-8")
        event = path
    done = _orders(workdir, "invoke", function, "--event", str(event), *args, env=env)
    assert done.returncode == exit_status, done.stderr[-3000:]
    return json.loads(done.stdout)


def _sample(function: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{function}.json").read_text(encoding="utf-8"))
    return event


def test_every_function_has_a_sample_event_or_its_route_makes_one() -> None:
    committed = {path.stem for path in EVENTS.glob("*.json")}
    made = {name for name in functions() if made_event(name) is not None}
    assert set(functions()) - committed - made == set()
    # An event-driven function or one reading a body always has its file.
    assert {name for name in functions() if function_route(name) is None} <= committed
    assert {"create_order", "update_order"} <= committed - made


# The headers every sample sends, beyond which a sample's own are what its operation reads.
BASE_HEADERS = {"Host", "User-Agent", "Accept"}


@pytest.mark.parametrize(
    "function", sorted(p.stem for p in EVENTS.glob("*.json") if function_route(p.stem))
)
def test_each_http_sample_is_the_event_its_route_makes(function: str) -> None:
    sample = _sample(function)
    route = function_route(function)
    assert route is not None
    assert (sample["httpMethod"], sample["resource"]) == (route.method, route.path)
    extra = {k: v for k, v in sample["headers"].items() if k not in BASE_HEADERS}
    made = route_event(
        route,
        function,
        body=sample["body"],
        headers=extra,
        query=sample["queryStringParameters"],
    )
    assert made == sample
    if not extra and sample["body"] is None and sample["queryStringParameters"] is None:
        assert made_event(function) == sample


@pytest.mark.parametrize(
    ("function", "status"), [("get_order", 200), ("cancel_order", 200), ("delete_order", 204)]
)
def test_a_function_that_reads_no_body_runs_with_no_event_file(
    tmp_path: Path, function: str, status: int
) -> None:
    done = _orders(tmp_path, "invoke", function, "--seed")
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout)["statusCode"] == status
    assert "the event is about it" in done.stderr


def test_a_function_that_reads_a_body_asks_for_an_event_file(tmp_path: Path) -> None:
    done = _orders(tmp_path, "invoke", "create_order", "--seed")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        "orders: create_order needs an event to run on (its route's body, or its source's "
        "event): --event FILE, e.g. events/create_order.json\n"
    )


def test_every_http_sample_answers_2xx_with_seed_and_again_on_the_same_store(
    tmp_path: Path,
) -> None:
    for _ in range(2):  # the second round finds the first round's orders, deleted ones too
        for function, status in SAMPLES:
            extra = () if function == "docs" else ("--seed",)
            answer = _invoke(tmp_path, function, EVENTS / f"{function}.json", *extra)
            assert answer["statusCode"] == status, (function, answer)


def test_the_created_order_is_printed_as_json_with_readable_status_and_headers(
    tmp_path: Path,
) -> None:
    answer = _invoke(tmp_path, "create_order", EVENTS / "create_order.json", "--seed")
    order = answer["body"]
    assert answer["statusCode"] == 201
    assert (order["status"], order["total"], order["customer_id"]) == ("PENDING", "25.00", "alice")
    assert answer["headers"]["Location"].endswith(f"/orders/{order['id']}")
    assert answer["headers"]["ETag"] == '"1"'

    raw = _invoke(tmp_path, "create_order", EVENTS / "create_order.json", "--seed", "--raw")
    assert isinstance(raw["body"], str)
    assert json.loads(raw["body"])["status"] == "PENDING"


def test_seed_places_a_new_order_each_time_and_says_which(tmp_path: Path) -> None:
    first = _orders(tmp_path, "invoke", "get_order", "--event", str(EVENTS / "get_order.json"))
    assert first.returncode == 1
    assert "404 ORDER_NOT_FOUND" in first.stderr
    assert "--seed places one first" in first.stderr

    ids = set()
    for _ in range(2):
        done = _orders(
            tmp_path, "invoke", "get_order", "--event", str(EVENTS / "get_order.json"), "--seed"
        )
        assert done.returncode == 0, done.stderr
        order_id = json.loads(done.stdout)["body"]["id"]
        assert f"placed order {order_id} for alice (PENDING, version 1)" in done.stderr
        ids.add(order_id)
    assert len(ids) == 2
    assert SAMPLE_ORDER_ID not in ids


def test_a_second_create_with_the_samples_fixed_key_says_it_is_a_replay(tmp_path: Path) -> None:
    first = _invoke(tmp_path, "create_order", EVENTS / "create_order.json")
    done = _orders(tmp_path, "invoke", "create_order", "--event", str(EVENTS / "create_order.json"))
    assert done.returncode == 0, done.stderr
    again = json.loads(done.stdout)
    assert again["headers"]["Idempotent-Replayed"] == "true"
    assert again["body"]["id"] == first["body"]["id"]
    assert "orders: note: a replay of the order first placed with this Idempotency-Key" in (
        done.stderr
    )
    fresh = _invoke(tmp_path, "create_order", EVENTS / "create_order.json", "--seed")
    assert fresh["body"]["id"] != first["body"]["id"]
    assert "Idempotent-Replayed" not in fresh["headers"]


def test_the_payment_and_shipment_samples_move_seeded_orders_on(tmp_path: Path) -> None:
    paid = _orders(
        tmp_path, "invoke", "payments", "--event", str(EVENTS / "payments.json"), "--seed"
    )
    assert paid.returncode == 0, paid.stderr
    assert json.loads(paid.stdout) == {"batchItemFailures": []}
    assert "the payment is for it" in paid.stderr

    for sample, state in (("SHIPMENT_DISPATCHED", 3), ("SHIPMENT_DELIVERED", 4)):
        event = {**_sample("shipments"), "detail-type": sample}
        shipped = _invoke(tmp_path, "shipments", event, "--seed")
        assert (shipped["changed"], shipped["version"]) == (True, state), shipped
        assert shipped["order_id"] != SAMPLE_ORDER_ID


def test_a_refused_event_exits_1_with_the_reason_in_one_line(tmp_path: Path) -> None:
    # No order has the samples' id in a fresh store.
    payments = _invoke(tmp_path, "payments", EVENTS / "payments.json", exit_status=1)
    message_id = _sample("payments")["Records"][0]["messageId"]
    assert payments == {"batchItemFailures": [{"itemIdentifier": message_id}]}

    done = _orders(tmp_path, "invoke", "shipments", "--event", str(EVENTS / "shipments.json"))
    assert done.returncode == 1
    assert json.loads(done.stdout)["errorType"] == "ShipmentRejected"
    assert done.stderr.splitlines()[-1].startswith("orders: shipments failed: ShipmentRejected:")
    assert "ORDER_NOT_FOUND" in done.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    ("function", "event", "said"),
    [
        ("get_order", {}, "get_order takes an API Gateway REST proxy event"),
        ("get_order", _sample("payments"), "get_order takes an API Gateway REST proxy event"),
        ("delete_order", _sample("get_order"), "this event is GET /orders/{order_id}"),
        ("payments", _sample("get_order"), "payments takes an SQS batch"),
        ("shipments", _sample("payments"), "shipments takes an EventBridge event"),
        ("publisher", _sample("shipments"), "publisher takes a DynamoDB stream batch"),
    ],
)
def test_an_event_of_another_shape_is_one_line_naming_the_sample(
    tmp_path: Path, function: str, event: dict[str, Any], said: str
) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    done = _orders(tmp_path, "invoke", function, "--event", str(path))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == f"orders: {done.stderr.removeprefix('orders: ').splitlines()[0]}\n"
    assert said in done.stderr
    assert f"see events/{function}.json" in done.stderr
    assert "KeyError" not in done.stderr


def test_seed_on_a_function_that_reads_no_order_is_refused(tmp_path: Path) -> None:
    done = _orders(tmp_path, "invoke", "docs", "--event", str(EVENTS / "docs.json"), "--seed")
    assert done.returncode == 1
    assert done.stderr == "orders: --seed: docs reads no order, so there is nothing to seed\n"


def test_a_lambda_event_with_the_development_header_but_no_claims_is_401(tmp_path: Path) -> None:
    # The X-Dev-* headers mean something to `orders serve` only; a function never reads them.
    event = _sample("list_orders")
    del event["requestContext"]["authorizer"]
    event["headers"] = {**event["headers"], "X-Dev-Customer": "alice", "X-Dev-Staff": "1"}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    result = _invoke(tmp_path, "list_orders", event, exit_status=1)
    assert result["statusCode"] == 401, result
    assert result["body"]["error"]["code"] == "UNAUTHENTICATED"


def test_an_unknown_function_is_refused_with_every_known_one(tmp_path: Path) -> None:
    done = _orders(tmp_path, "invoke", "nope", "--event", str(EVENTS / "docs.json"))
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1
    assert all(name in done.stderr for name in functions()), done.stderr


def test_the_publisher_sample_prints_its_event_when_no_bus_is_configured(tmp_path: Path) -> None:
    done = _orders(tmp_path, "invoke", "publisher", "--event", str(EVENTS / "publisher.json"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"batchItemFailures": []}
    assert "orders: no ORDERS_EVENT_BUS_NAME, so the publisher prints each event" in done.stderr
    envelopes = [
        json.loads(line) for line in done.stderr.splitlines() if line.startswith('{"detail"')
    ]
    assert [(e["detail-type"], e["detail"]["order_id"]) for e in envelopes] == [
        ("OrderPlaced", SAMPLE_ORDER_ID)
    ]


@pytest.fixture
def bus(moto_endpoint: str) -> Iterator[BusWithRule]:
    wiring = bus_with_rule(events_client(moto_endpoint), sqs_client(moto_endpoint), "orders")
    yield wiring
    drop_bus(wiring)


def test_the_publisher_sample_puts_its_event_on_a_configured_bus(
    tmp_path: Path, moto_endpoint: str, bus: BusWithRule
) -> None:
    environment = {
        **AWS_TEST_ENVIRONMENT,
        "ORDERS_EVENT_BUS_NAME": bus.bus,
        "ORDERS_EVENTS_ENDPOINT": moto_endpoint,
    }
    answer = _invoke(tmp_path, "publisher", EVENTS / "publisher.json", env=environment)
    assert answer == {"batchItemFailures": []}
    [delivered] = bus.received()
    assert (delivered["detail-type"], delivered["detail"]["order_id"]) == (
        "OrderPlaced",
        SAMPLE_ORDER_ID,
    )


def test_a_bad_setting_is_one_line_naming_it_not_a_function_error(tmp_path: Path) -> None:
    done = run_orders(
        tmp_path,
        "invoke",
        "get_order",
        "--event",
        str(EVENTS / "get_order.json"),
        env={"PATH": "/usr/bin:/bin", "ORDERS_MAX_BODY_BYTES": "1"},
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines()[-1].startswith(
        "orders: invalid configuration: ORDERS_MAX_BODY_BYTES"
    )
