"""What an order costs to run, per stack: ``nox -s cost`` (docs/deploy.md, "Cost model").

Four inputs, each from one place:

- unit prices: ``prices.json`` beside this file, with the date they were read;
- the stack's own settings (memory, provisioned concurrency) and the alarms it declares: the
  program run against Pulumi's mocks with ``Pulumi.<stack>.yaml``, as ``pulumi up`` reads it;
- the items the DynamoDB adapter writes for a real order's life (their sizes decide the
  request units), and the round trips per use case that
  ``tests/integration/test_dynamodb_round_trips.py`` counts on the wire;
- the warm CPU time per request that docs/benchmarks.md measured, scaled to arm64 at the
  configured memory by the factors below, plus the network time of each round trip.

The figures that are assumptions, not measurements, are named constants here and listed in
docs/deploy.md. No free tier is subtracted: an account shares it between its stacks.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from deploy_pulumi.declared import Deployment, run_program, tiny_artifact
from deploy_pulumi.orders_stack.settings import StackSettings
from deploy_pulumi.orders_stack.workflow_definitions import deadline_definition
from orders_adapters.dynamodb import event_item, order_item
from orders_core import Order, OrderStatus
from orders_core.testing import OrderBuilder, line
from orders_manifest.tables import DUE_INDEX, ORDERS_TABLE

PROGRAM: Final = Path(__file__).parent
PRICES: Final = PROGRAM / "prices.json"
BENCHMARKS: Final = PROGRAM.parent / "docs" / "benchmarks.md"
PROJECT: Final = "orders-service"

# Lambda gives a function one full vCPU at 1,769 MB, and a share in proportion below that
# (AWS's documentation); the benchmark ran on one full x86_64 core.
FULL_VCPU_MB: Final = 1769
# Assumed, not measured here: a Graviton2 core runs this pure-Python path about a quarter
# slower than the benchmark machine's x86_64 core.
ARM64_FACTOR: Final = 1.25
# Assumed network time of one call from a function inside AWS, per service.
DYNAMODB_ROUND_TRIP_MS: Final = 6.0
EVENTBRIDGE_PUT_MS: Final = 15.0
# Log bytes, read off the in-memory run's output (our lines and metric blobs) and assumed for
# what AWS writes (Lambda's JSON platform records, API Gateway's access log line, WAF's log).
LOG_LINE_BYTES: Final = 420
METRIC_BLOB_BYTES: Final = 200
PLATFORM_BYTES: Final = 700  # platform.start and platform.report, per invocation
ACCESS_LOG_BYTES: Final = 550
WAF_LOG_BYTES: Final = 1500
GB: Final = 1024**3
# The Express starter: one short run per placed order (assumed 100 ms), billed at 64 MB.
STARTER_SECONDS: Final = 0.1
STARTER_GB: Final = 64 / 1024
SECONDS_A_MONTH: Final = 730 * 3600
# The stand-ins for functions the benchmark does not run: the consumers read then write one
# order as cancel does; the publisher turns one record into one entry, lighter than a read.
WARM_ROUTES: Final = {
    "create_order": "POST /orders + Idempotency-Key",
    "get_order": "GET /orders/{order_id}",
    "payments": "POST /orders/{order_id}/cancel",
    "shipments": "POST /orders/{order_id}/cancel",
    "publisher": "GET /orders/{order_id}",
    "expiry": "GET /orders/{order_id}",
}
# Lambda polls an SQS source with about five long polls at once, each up to 20 s, whether or
# not messages come (assumed from AWS's description of the poller): requests a month.
SQS_IDLE_POLLS_A_MONTH: Final = 5 * 3 * 60 * 730
# Custom metric series the functions emit in a month (orders_lambda.metric_names), assumed:
# OrdersPlaced, OrdersCancelled, EventsNotPublished; OrderValue in 3 currencies; Errors by 10
# codes; FlagsFailures by 3 reasons; MessagesRejected by 2 consumers x 3 reasons.
CUSTOM_METRIC_SERIES: Final = 3 + 3 + 10 + 3 + 6
# What every stack holds however busy it is (counted from the program by
# tests/infra/test_cost_model.py): keys, secrets, the web ACL and its rules, dashboards. The
# alarms grow with the functions and the indexes, so the model counts them from the program.
KMS_KEYS: Final = 2
SECRETS: Final = 1
WEB_ACLS: Final = 1
WAF_RULES: Final = 4
DASHBOARDS: Final = 2
ALARM: Final = "aws:cloudwatch/metricAlarm:MetricAlarm"
# X-Ray's default sampling rule: the first request each second, then 5% of the rest. One
# order's life is costed as if every request were traced; a month applies the rule.
XRAY_RESERVOIR_PER_SECOND: Final = 1
XRAY_RATE: Final = 0.05


@dataclass(frozen=True, slots=True)
class Prices:
    read_on: str
    region: str
    unit: dict[str, float]  # price per one unit (per request, per GB-second, per month...)

    @classmethod
    def load(cls, path: Path = PRICES) -> Prices:
        raw: dict[str, Any] = json.loads(path.read_text("utf-8"))
        unit = {name: p["usd"] / p["per"] for name, p in raw["prices"].items()}
        return cls(raw["read_on"], raw["region"], unit)


@dataclass(frozen=True, slots=True)
class Usage:
    """What one step uses, in the units AWS bills."""

    api_requests: float = 0
    waf_requests: float = 0
    lambda_requests: float = 0
    lambda_gb_seconds: float = 0
    write_units: float = 0
    read_units: float = 0
    custom_events: float = 0
    sqs_requests: float = 0
    log_bytes: float = 0
    traces: float = 0
    state_transitions: float = 0
    express_requests: float = 0
    express_gb_seconds: float = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def times(self, n: float) -> Usage:
        return Usage(**{f.name: getattr(self, f.name) * n for f in fields(self)})


def cost_by_service(usage: Usage, prices: Prices) -> dict[str, float]:
    """Dollars per service for ``usage``."""
    p = prices.unit
    return {
        "Lambda": usage.lambda_requests * p["lambda_request"]
        + usage.lambda_gb_seconds * p["lambda_arm64_gb_second"],
        "API Gateway": usage.api_requests * p["rest_api_request"],
        "DynamoDB": usage.write_units * p["dynamodb_write_request_unit"]
        + usage.read_units * p["dynamodb_read_request_unit"],
        "EventBridge": usage.custom_events * p["eventbridge_custom_event"],
        "SQS": usage.sqs_requests * p["sqs_request"],
        "CloudWatch Logs": usage.log_bytes / GB * p["cloudwatch_log_ingestion_gb"],
        "WAF": usage.waf_requests * p["waf_request"],
        "X-Ray": usage.traces * p["xray_trace_recorded"],
        "Step Functions": usage.state_transitions * p["stepfunctions_standard_transition"]
        + usage.express_requests * p["stepfunctions_express_request"]
        + usage.express_gb_seconds * p["stepfunctions_express_gb_second"],
    }


def alarm_metrics(alarms: Iterable[Mapping[str, Any]]) -> int:
    """The alarm metrics CloudWatch bills for declared alarms: one for an alarm on a metric,
    one per metric in a metric-math alarm, one for a Metrics Insights query (priced as one
    here; AWS bills those by the metrics the query analyses)."""
    total = 0
    for alarm in alarms:
        queries = alarm.get("metricQueries") or []
        total += max(1, sum(1 for query in queries if "metric" in query))
    return total


def declare(stack: str) -> Deployment:
    """``stack`` as the program declares it against Pulumi's mocks (a few seconds, no cloud):
    its settings read and checked by the program itself, and every resource."""
    with tempfile.TemporaryDirectory() as folder:
        return run_program(stack, tiny_artifact(Path(folder)))


def declared_alarm_metrics(deployment: Deployment) -> int:
    """The alarm metrics a declared stack bills for, counted by :func:`alarm_metrics`."""
    return alarm_metrics(alarm.state for alarm in deployment.of_type(ALARM))


def transitions_once_through(definition: Mapping[str, Any]) -> int:
    """The state transitions of a run that goes straight through: from ``StartAt``, each
    state's ``Next``, a Choice's ``Default``, until a state that ends the run. Every state
    entered is one transition (AWS counts the start too). A run whose timer fires early, or
    whose task is retried, costs more; the model prices the straight run."""
    states: Mapping[str, Mapping[str, Any]] = definition["States"]
    name: str | None = definition["StartAt"]
    seen: list[str] = []
    while name is not None:
        if name in seen:
            raise ValueError(f"the straight path loops at {name}")
        seen.append(name)
        state = states[name]
        name = state.get("Default") if state["Type"] == "Choice" else state.get("Next")
    return len(seen)


def traces_recorded(traceable: float) -> float:
    """Traces a month under X-Ray's default sampling rule, ``traceable`` requests spread evenly."""
    reservoir = XRAY_RESERVOIR_PER_SECOND * SECONDS_A_MONTH
    return min(traceable, reservoir) + XRAY_RATE * max(0.0, traceable - reservoir)


@dataclass(frozen=True, slots=True)
class StackInputs:
    """What the model reads from a stack file."""

    stack: str
    memory_mb: dict[str, int]  # per sizing class: api, consumer, publisher
    provisioned: dict[str, int]  # API function -> provisioned concurrency

    @classmethod
    def of(cls, settings: StackSettings) -> StackInputs:
        """What the model needs of the settings the program read for a stack."""
        sizing = {
            "api": settings.api,
            "consumer": settings.consumer,
            "publisher": settings.publisher,
        }
        return cls(
            settings.stack,
            {kind: each.memory_mb for kind, each in sizing.items()},
            dict(settings.concurrency.provisioned),
        )


def warm_microseconds(path: Path = BENCHMARKS) -> dict[str, float]:
    """The warm median per route from docs/benchmarks.md's entrypoint table, found by its
    ``route`` and ``median us`` columns (the benchmark may add or move others)."""
    text = path.read_text("utf-8")
    section = text.split("<!-- lambda-bench:begin -->")[1].split("<!-- lambda-bench:end -->")[0]
    table = section.split("### Warm")[1]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("|")
    ]
    header = rows[0]
    route, median = header.index("route"), header.index("median us")
    return {
        row[route]: float(row[median])
        for row in rows[2:]
        if len(row) == len(header) and row[median].isdigit()
    }


def billed_ms(cpu_us: float, memory_mb: int, round_trips_ms: float) -> int:
    """Lambda's billed duration: the CPU time scaled to arm64 at ``memory_mb``, plus waiting
    on the network, rounded up to the millisecond (Lambda bills in 1 ms steps)."""
    share = min(1.0, memory_mb / FULL_VCPU_MB)
    return math.ceil(cpu_us / 1000 * ARM64_FACTOR / share + round_trips_ms)


def write_units(item: Mapping[str, Any], *, transactional: bool = False) -> int:
    """On-demand write units for one item: 1 per KB or part of one, twice in a transaction."""
    units = math.ceil(item_size(item) / 1024)
    return units * (2 if transactional else 1)


def read_units(item: Mapping[str, Any], *, consistent: bool = True) -> float:
    """On-demand read units for one item: 1 per 4 KB for a strongly consistent read, half
    for an eventually consistent one."""
    units = math.ceil(item_size(item) / 4096)
    return units if consistent else units / 2


def item_size(item: Mapping[str, Any]) -> int:
    """An item's size as DynamoDB counts it: each attribute's name and value in bytes."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Mapping[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        digits = len(str(inner).lstrip("-").replace(".", "").strip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in inner.items())
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    raise ValueError(f"no size rule for a {kind} attribute")


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    usage: Usage


@dataclass(frozen=True, slots=True)
class OrderLife:
    """The items one order's life writes: the order after each change and its outbox events."""

    orders: dict[OrderStatus, dict[str, Any]]
    events: list[dict[str, Any]]
    idempotency_record_bytes: int

    @classmethod
    def typical(cls) -> OrderLife:
        # Two lines, ids as long as the real ones (a UUID order id, a Cognito sub).
        builder = OrderBuilder(
            order_id="0f8fad5b-d9cb-469f-a165-70867728950e",
            customer_id="4a7b3c2e-9d1f-4e8a-b6c5-2f3e4d5a6b7c",
            at=datetime(2026, 12, 1, tzinfo=UTC),
        ).with_lines(line("BOOK-42", 2, "12.50"), line("MUG-7", 1, "8.00"))
        # Placed with the default 30-minute payment deadline: in the expiry index until paid.
        builder = builder.due_at(datetime(2026, 12, 1, 0, 30, tzinfo=UTC))
        _, events = builder.in_status(OrderStatus.DELIVERED).build_with_events()
        expires = int((datetime(2026, 12, 1, tzinfo=UTC) + timedelta(days=7)).timestamp())
        orders = {
            OrderStatus(event.order["status"]): order_item(Order.from_record(event.order))
            for event in events
        }
        # Powertools keeps the hashed key, status, expiry and the whole 201 answer (the order
        # as JSON, measured at 357 bytes for one line: about 500 for two) with the key.
        return cls(orders, [event_item(e, expires_at=expires) for e in events], 700)


def due_entry_writes(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> int:
    """The expiry index's writes for an order item going from ``old`` to ``new``: its entry
    (keys only) put when it appears, deleted when it goes, rewritten when its key changes."""

    def entry(item: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if item is None or DUE_INDEX.partition_key not in item:
            return None
        keys = (
            ORDERS_TABLE.partition_key,
            ORDERS_TABLE.sort_key,
            DUE_INDEX.partition_key,
            DUE_INDEX.sort_key,
        )
        return {k: item[k] for k in keys if k and k in item}

    before, after = entry(old), entry(new)
    if before == after:
        return 0
    return sum(write_units(found) for found in (before, after) if found is not None)


@dataclass(frozen=True, slots=True)
class Model:
    stack: StackInputs
    prices: Prices
    warm_us: dict[str, float]
    life: OrderLife = field(default_factory=OrderLife.typical)
    alarm_metrics: int = field(kw_only=True)  # declared_alarm_metrics(stack) for a real one

    def _invocation(self, function: str, sizing: str, network_ms: float) -> Usage:
        memory = self.stack.memory_mb[sizing]
        ms = billed_ms(self.warm_us[WARM_ROUTES[function]], memory, network_ms)
        return Usage(lambda_requests=1, lambda_gb_seconds=memory / 1024 * ms / 1000)

    def _api_request(self) -> Usage:
        return Usage(
            api_requests=1,
            waf_requests=1,
            traces=1,
            log_bytes=ACCESS_LOG_BYTES + WAF_LOG_BYTES + PLATFORM_BYTES,
        )

    def _transition(self, before: OrderStatus, after: OrderStatus, event: int) -> Usage:
        """A consumer's step: read the order, write it and its event in one transaction; its
        customer index entry is rewritten, its status index entry moves (a delete and a put)."""
        old, new = self.life.orders[before], self.life.orders[after]
        writes = (
            write_units(new, transactional=True)
            + write_units(self.life.events[event], transactional=True)
            + write_units(new)  # GSI1
            + write_units(old)  # GSI2: the old status's entry deleted
            + write_units(new)  # GSI2: the new status's entry put
            + due_entry_writes(old, new)  # GSI3: the entry leaves with PENDING
        )
        return Usage(
            read_units=read_units(old),
            write_units=writes,
            traces=1,
            log_bytes=PLATFORM_BYTES + LOG_LINE_BYTES,
        )

    def steps(self) -> list[Step]:
        """One order's life: place (with an Idempotency-Key), read it twice, pay, its payment
        deadline passing (the workflow and the expiry function finding it paid), ship,
        deliver, and the four events the publisher puts on the bus."""
        life, rt = self.life, DYNAMODB_ROUND_TRIP_MS
        placed = life.orders[OrderStatus.PENDING]
        idempotency = {"record": {"S": "x" * life.idempotency_record_bytes}}
        place = (
            self._api_request()
            # The order and its event in one transaction, both indexes, the idempotency
            # record claimed then completed: 3 round trips.
            + self._invocation("create_order", "api", 3 * rt)
            + Usage(
                write_units=write_units(placed, transactional=True)
                + write_units(life.events[0], transactional=True)
                + 2 * write_units(placed)
                + due_entry_writes(None, placed)  # GSI3, keys only
                + 2 * write_units(idempotency),
                log_bytes=LOG_LINE_BYTES + 2 * METRIC_BLOB_BYTES,
            )
        )
        read = (
            self._api_request()
            + self._invocation("get_order", "api", rt)
            + Usage(read_units=read_units(placed))
        )
        # The payment provider's SendMessage, then the poller's receive and delete.
        pay = (
            Usage(sqs_requests=3)
            + self._invocation("payments", "consumer", 2 * rt)
            + self._transition(OrderStatus.PENDING, OrderStatus.PAID, 1)
        )
        # The shipping system puts its event on the bus; the rule invokes the consumer.
        ship = (
            Usage(custom_events=1)
            + self._invocation("shipments", "consumer", 2 * rt)
            + self._transition(OrderStatus.PAID, OrderStatus.SHIPPED, 2)
        )
        deliver = (
            Usage(custom_events=1)
            + self._invocation("shipments", "consumer", 2 * rt)
            + self._transition(OrderStatus.SHIPPED, OrderStatus.DELIVERED, 3)
        )
        # Stream reads by a Lambda trigger are free; one record a batch at this traffic.
        publish = (
            self._invocation("publisher", "publisher", EVENTBRIDGE_PUT_MS)
            + Usage(custom_events=1, log_bytes=PLATFORM_BYTES)
        ).times(len(life.events))
        # OrderPlaced starts the Express starter, which starts the order's Standard run; at
        # the deadline the expiry function reads the order (paid by then) and leaves it.
        deadline = (
            Usage(
                express_requests=1,
                express_gb_seconds=STARTER_GB * STARTER_SECONDS,
                state_transitions=transitions_once_through(deadline_definition("arn", "url")),
            )
            + self._invocation("expiry", "consumer", rt)
            + Usage(
                read_units=read_units(life.orders[OrderStatus.PAID]),
                traces=1,
                log_bytes=PLATFORM_BYTES + LOG_LINE_BYTES,
            )
        )
        return [
            Step("place", place),
            Step("read x2", read.times(2)),
            Step("pay", pay),
            Step("payment deadline", deadline),
            Step("ship", ship),
            Step("deliver", deliver),
            Step(f"publish x{len(life.events)}", publish),
        ]

    def per_order(self) -> Usage:
        total = Usage()
        for step in self.steps():
            total += step.usage
        return total

    def fixed_a_month(self) -> dict[str, float]:
        """What the stack costs a month whatever its traffic."""
        p = self.prices.unit
        provisioned_gb = sum(
            n * self.stack.memory_mb["api"] / 1024 for n in self.stack.provisioned.values()
        )
        return {
            "Lambda provisioned concurrency": provisioned_gb
            * SECONDS_A_MONTH
            * p["lambda_arm64_provisioned_gb_second"],
            "CloudWatch alarms": self.alarm_metrics * p["cloudwatch_alarm_metric"],
            "CloudWatch dashboards": DASHBOARDS * p["cloudwatch_dashboard"],
            "CloudWatch custom metrics": CUSTOM_METRIC_SERIES * p["cloudwatch_custom_metric"],
            "WAF web ACL and rules": WEB_ACLS * p["waf_web_acl"] + WAF_RULES * p["waf_rule"],
            "KMS key": KMS_KEYS * p["kms_key"],
            "Secrets Manager": SECRETS * p["secrets_manager_secret"],
            "SQS idle polling": SQS_IDLE_POLLS_A_MONTH * p["sqs_request"],
        }

    def month(self, orders: int) -> dict[str, float]:
        """Dollars a month by service for ``orders`` orders, the fixed costs included."""
        usage = self.per_order().times(orders)
        usage = Usage(**{**_as_dict(usage), "traces": traces_recorded(usage.traces)})
        by_service = cost_by_service(usage, self.prices)
        return {**by_service, **self.fixed_a_month()}


def _as_dict(usage: Usage) -> dict[str, float]:
    return {f.name: getattr(usage, f.name) for f in fields(usage)}


def report(model: Model, orders: int) -> str:
    """The cost of one order's life and of ``orders`` a month, by service, as text."""
    prices = model.prices
    out = [
        (
            f"stack {model.stack.stack}: memory {model.stack.memory_mb} MB, provisioned "
            f"{model.stack.provisioned or 'none'}; prices read {prices.read_on} ({prices.region})"
        ),
        "",
        "one order's life, by step (USD):",
    ]
    steps = model.steps()
    width = max(len(step.name) for step in steps)
    for step in steps:
        cost = sum(cost_by_service(step.usage, prices).values())
        out.append(f"  {step.name:<{width}} {cost:.8f}")
    life = cost_by_service(model.per_order(), prices)
    out.append(f"  {'total':<{width}} {sum(life.values()):.8f}")
    out += ["", f"{orders:,} orders a month, by service (USD):"]
    month = model.month(orders)
    for name, usd in sorted(month.items(), key=lambda kv: -kv[1]):
        out.append(f"  {name:<32} {usd:>10.2f}")
    total = sum(month.values())
    top, top_usd = max(month.items(), key=lambda kv: kv[1])
    growing = {name: usd for name, usd in month.items() if name in life}
    top_growing = max(growing, key=lambda name: growing[name])
    out.append(f"  {'total':<32} {total:>10.2f}")
    out.append(f"dominant line: {top} ({top_usd / total:.0%} of the total)")
    out.append(
        f"dominant line of those that grow with orders: {top_growing} "
        f"({growing[top_growing] / sum(growing.values()):.0%} of them)"
    )
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", action="append", help="dev, staging, prod (default: all)")
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders a month")
    args = parser.parse_args(argv)
    prices, warm = Prices.load(), warm_microseconds()
    for stack in args.stack or ["dev", "staging", "prod"]:
        deployment = declare(stack)
        inputs = StackInputs.of(deployment.built.settings)
        model = Model(inputs, prices, warm, alarm_metrics=declared_alarm_metrics(deployment))
        sys.stdout.write(report(model, args.orders) + "\n\n")


if __name__ == "__main__":
    main()


__all__ = [
    "Model",
    "OrderLife",
    "Prices",
    "StackInputs",
    "Step",
    "Usage",
    "alarm_metrics",
    "billed_ms",
    "cost_by_service",
    "declare",
    "declared_alarm_metrics",
    "item_size",
    "main",
    "read_units",
    "report",
    "traces_recorded",
    "warm_microseconds",
    "write_units",
]
