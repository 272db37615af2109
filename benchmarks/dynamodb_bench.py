"""Warm requests on the DynamoDB store over a moto server (``nox -s bench``; issue 12 part 6).

The function runs in a process of its own (``ORDERS_STORE=dynamodb``), against a moto server
run as another process on loopback; the function's process never imports moto. Each route is
the request ``lambda_bench`` makes of it (its cases, on their own tables here), called
in-process through the entrypoint's handler:

1. **Wall and CPU** per request: ``--calls`` calls after a warm-up, each timed with
   ``perf_counter`` (wall, which includes the server's time) and ``process_time`` (the
   function's own process only); medians reported.
2. **Instructions** per request with ``--instructions N`` (``valgrind --tool=callgrind``, the
   technique of ``lambda_bench --instructions``): the function's process under callgrind, N
   calls per route between two ``os.getppid()`` dump points. The moto server is another
   process and is not counted. The count does not depend on the machine's load: it is what
   issue 12's targets are checked against.
3. **Owners** with ``--owners N``: cProfile (on CPU time) over N calls per route, own time
   split by whose code it is (ours, Powertools and its idempotency utility, pydantic,
   dependency-injector, botocore, urllib3, jmespath); the standard library and built-ins are
   charged to whoever called them (``json`` under botocore is botocore's).

Two references are measured alike: one ``GetItem`` of a stored order and one ``Query`` of 21
items through the same botocore client the store uses, with no handler around them, i.e. what
the SDK alone costs a get and a list of 20.

The moto server needs an interpreter with ``moto[server]``: ``--moto-python`` (``nox -s
bench`` passes its ``.nox/bench_moto``), else ``lambda_bench``'s search for one.
``--write FILE`` replaces this benchmark's section of FILE (between its markers).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import shutil
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from lambda_bench import (
    MEMORY_ENVIRONMENT,
    ROOT,
    Case,
    _cases,
    _function_module,
    _moto_python,
    _placer,
    _timed_process,
    callgrind_windows,
    write_section,
)

sys.path.insert(0, str(ROOT))  # tests.support: the moto server the tests start
from tests.support.moto_server import AWS_TEST_ENVIRONMENT, moto_server

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import GetItemInputTypeDef, QueryInputTypeDef

BEGIN: Final = "<!-- dynamodb-bench:begin -->"
END: Final = "<!-- dynamodb-bench:end -->"
KEYED: Final = "POST /orders + Idempotency-Key"
GET: Final = "GET /orders/{order_id}"
LIST: Final = "GET /orders (20 of 40)"
# Issue 12 part 6: instructions per request in the function's process.
INSTRUCTION_TARGETS: Final = {KEYED: 12e6, GET: 2.8e6, LIST: 4e6}
SDK_GET: Final = "reference: GetItem alone (same client)"
SDK_QUERY: Final = "reference: Query of 21 items alone (same client)"
REFERENCES: Final = (SDK_GET, SDK_QUERY)
WARM_UP: Final = 30
BENCH_READ_TIMEOUT: Final = 120.0

Handler = Callable[[dict[str, Any], Any], Any]


# -- the function's process ----------------------------------------------------------------


def function_environment(endpoint: str, table: str, idempotency_table: str) -> dict[str, str]:
    """What the function's process is configured with: the DynamoDB store at ``endpoint``,
    dummy credentials, no tracing (no X-Ray daemon), the benchmark's cursor key."""
    return {
        **MEMORY_ENVIRONMENT,
        **AWS_TEST_ENVIRONMENT,
        "ORDERS_STORE": "dynamodb",
        "ORDERS_DYNAMODB_ENDPOINT": endpoint,
        "ORDERS_TABLE_NAME": table,
        "ORDERS_IDEMPOTENCY_TABLE": idempotency_table,
    }


@contextmanager
def _quiet_dynamodb_service(endpoint: str) -> Iterator[None]:
    os.environ.update(function_environment(endpoint, "", ""))
    with Path(os.devnull).open("w", encoding="utf-8") as sink, redirect_stdout(sink):
        yield


def make_tables(endpoint: str) -> tuple[str, str]:
    """A fresh orders table and idempotency table at ``endpoint``, under new names."""
    from orders_adapters.dynamodb import create_orders_table, make_dynamodb_client  # noqa: PLC0415
    from orders_adapters.table_definition import IDEMPOTENCY_TABLE  # noqa: PLC0415

    client = make_dynamodb_client(endpoint_url=endpoint)
    suffix = uuid.uuid4().hex[:8]
    table, idempotency = f"bench-orders-{suffix}", f"bench-idempotency-{suffix}"
    create_orders_table(client, table)
    create_orders_table(client, idempotency, IDEMPOTENCY_TABLE)
    return table, idempotency


def drop_tables(endpoint: str, *tables: str) -> None:
    from orders_adapters.dynamodb import make_dynamodb_client  # noqa: PLC0415

    client = make_dynamodb_client(endpoint_url=endpoint)
    for table in tables:
        client.delete_table(TableName=table)


@dataclass(frozen=True, slots=True)
class Route:
    """A route's handler and its events; ``prepare`` runs outside any measurement."""

    name: str
    handler: Handler
    prepare: Callable[[int], dict[str, Any]]


def _sdk_references(lister: str, order_id: str) -> list[Route]:
    """The SDK alone: the store's own client, the calls the store makes for a get and a list,
    with the request parameters built once."""
    from orders_adapters.dynamodb import order_key  # noqa: PLC0415
    from orders_adapters.table_definition import CUSTOMER_INDEX  # noqa: PLC0415
    from orders_lambda import bootstrap  # noqa: PLC0415

    client = bootstrap.container().dynamodb_client()
    table = os.environ["ORDERS_TABLE_NAME"]
    get: GetItemInputTypeDef = {
        "TableName": table,
        "Key": order_key(order_id),
        "ConsistentRead": True,
    }
    query: QueryInputTypeDef = {
        "TableName": table,
        "IndexName": CUSTOMER_INDEX.name,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": CUSTOMER_INDEX.partition_key},
        "ExpressionAttributeValues": {":pk": {"S": f"CUSTOMER#{lister}"}},
        "ScanIndexForward": False,
        "Limit": 21,
    }
    return [
        Route(SDK_GET, lambda _event, _context: client.get_item(**get), lambda _: {}),
        Route(SDK_QUERY, lambda _event, _context: client.query(**query), lambda _: {}),
    ]


def _routes() -> list[Route]:
    """lambda_bench's cases but the document (it reads no store), then the SDK references."""
    from orders_lambda.routes import load_handler  # noqa: PLC0415

    cases: list[Case] = [c for c in _cases(_placer()) if c.function != "docs"]
    routes = [
        Route(c.route, load_handler(f"{_function_module(c.function)}:handler"), c.prepare)
        for c in cases
    ]
    readable = next(c for c in cases if c.route == GET).prepare(0)
    lister = next(c for c in cases if c.route == LIST).prepare(0)
    customer = lister["requestContext"]["authorizer"]["claims"]["sub"]
    return routes + _sdk_references(customer, readable["pathParameters"]["order_id"])


@contextmanager
def fresh_routes(endpoint: str) -> Iterator[list[Route]]:
    """The routes over new, empty tables (and a container built for them), so no route pays
    for the orders an earlier one left behind: moto copies a whole table for every
    transaction, and scans it for every index query. The tables are dropped afterwards."""
    from dependency_injector import providers  # noqa: PLC0415

    from orders_adapters.dynamodb import make_dynamodb_client  # noqa: PLC0415
    from orders_lambda import bootstrap  # noqa: PLC0415

    table, idempotency = make_tables(endpoint)
    os.environ.update({"ORDERS_TABLE_NAME": table, "ORDERS_IDEMPOTENCY_TABLE": idempotency})
    bootstrap.install(None)
    # The service's client but for its read timeout: moto, copying a table with its stream
    # for each transaction, can take longer than 5 s on a loaded machine, and a retried
    # transaction would then fail its own condition (moto ignores ClientRequestToken).
    client = make_dynamodb_client(endpoint_url=endpoint, read_timeout=BENCH_READ_TIMEOUT)
    bootstrap.container().dynamodb_client.override(providers.Object(client))
    try:
        yield _routes()
    finally:
        drop_tables(endpoint, table, idempotency)


def each_route(endpoint: str) -> Iterator[Route]:
    """Every route in turn, each over tables of its own."""
    # The cases alone, with a placer that places nothing, say how many routes there are.
    count = len([c for c in _cases(lambda _customer: "order-0") if c.function != "docs"])
    for index in range(count + len(REFERENCES)):
        with fresh_routes(endpoint) as routes:
            yield routes[index]


def _context() -> Any:
    from orders_local.context import LocalLambdaContext  # noqa: PLC0415

    return LocalLambdaContext("bench", timeout_seconds=900)


def _events(route: Route, count: int) -> list[dict[str, Any]]:
    """Each call's event, made (and any order it needs placed) before the measurement; copied,
    since some cases hand out one event they change between calls."""
    return [json.loads(json.dumps(route.prepare(n))) for n in range(count)]


def _warmed(arguments: argparse.Namespace, calls: int) -> Iterator[tuple[Route, list[Any], Any]]:
    """Each route in turn, warmed up, with the events of its ``calls`` measured calls and
    the context to call it with."""
    with _quiet_dynamodb_service(arguments.endpoint):
        context = _context()
        for route in each_route(arguments.endpoint):
            events = _events(route, WARM_UP + calls)
            for event in events[:WARM_UP]:
                route.handler(event, context)
            yield route, events[WARM_UP:], context


def _timing_child(arguments: argparse.Namespace) -> None:
    results = []
    for route, events, context in _warmed(arguments, arguments.calls):
        walls, cpus, statuses = [], [], set()
        for event in events:
            wall, cpu = time.perf_counter_ns(), time.process_time_ns()
            answer = route.handler(event, context)
            cpus.append(time.process_time_ns() - cpu)
            walls.append(time.perf_counter_ns() - wall)
            if isinstance(answer, dict) and "statusCode" in answer:
                statuses.add(answer["statusCode"])
        results.append(
            {
                "route": route.name,
                "wall_us": statistics.median(walls) / 1000,
                "cpu_us": statistics.median(cpus) / 1000,
                "statuses": sorted(statuses),
            }
        )
    sys.stderr.write("BENCH " + json.dumps(results) + "\n")


def _instructions_child(arguments: argparse.Namespace) -> None:
    """Under callgrind: per route, the warm-up, then ``--instructions`` calls between two
    getppid() calls (the dump points)."""
    names = []
    for route, events, context in _warmed(arguments, arguments.instructions):
        os.getppid()
        for event in events:
            route.handler(event, context)
        os.getppid()
        names.append(route.name)
    sys.stderr.write("BENCH " + json.dumps(names) + "\n")


# Whose code a profiled function is, by the path it was loaded from (first match wins).
OWNERS: Final = (
    ("/aws_lambda_powertools/utilities/idempotency/", "Powertools idempotency"),
    ("/aws_lambda_powertools/", "Powertools"),
    ("/pydantic", "pydantic"),
    ("/dependency_injector/", "dependency-injector"),
    ("/botocore/", "botocore"),
    ("/boto3/", "botocore"),
    ("/urllib3/", "urllib3"),
    ("/jmespath/", "jmespath"),
    ("/orders_", "ours"),
)


def _owner(filename: str) -> str | None:
    """The owner of a function defined in ``filename``; None for the standard library and
    built-ins (``~``), which are charged to whoever called them."""
    if filename == "~":
        return None
    return next((owner for part, owner in OWNERS if part in filename), None)


def owner_split(stats: pstats.Stats) -> dict[str, float]:
    """Own time by owner, in percent. The standard library's and built-ins' own time goes to
    the owners of their callers (through callers of the standard library in turn), in
    proportion to the time each caller spent in them; what no owner called stays
    "standard library"."""
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]  # pstats keeps it untyped
    shares: dict[Any, dict[str, float]] = {}

    def owners_of(function: Any, seen: frozenset[Any]) -> dict[str, float]:
        """How ``function``'s time divides among owners (fractions adding up to 1)."""
        if function in shares:
            return shares[function]
        owner = _owner(function[0])
        if owner is not None:
            return {owner: 1.0}
        callers = {c: t[2] for c, t in table[function][4].items() if c not in seen}
        total = sum(callers.values())
        split: defaultdict[str, float] = defaultdict(float)
        for caller, spent in callers.items():
            weight = spent / total if total else 1 / len(callers)
            for name, part in owners_of(caller, seen | {function}).items():
                split[name] += weight * part
        result = dict(split) or {"standard library": 1.0}
        shares[function] = result
        return result

    spent: defaultdict[str, float] = defaultdict(float)
    for function, (_cc, _nc, own, _cum, _callers) in table.items():
        for name, part in owners_of(function, frozenset()).items():
            spent[name] += own * part
    whole = sum(spent.values()) or 1.0
    return {owner: 100 * t / whole for owner, t in sorted(spent.items(), key=lambda x: -x[1])}


def _owners_child(arguments: argparse.Namespace) -> None:
    results = {}
    for route, events, context in _warmed(arguments, arguments.owners):
        # CPU time: the waits on the server would otherwise count as socket reads.
        profile = cProfile.Profile(time.process_time_ns, 1e-9)
        profile.enable()
        for event in events:
            route.handler(event, context)
        profile.disable()
        results[route.name] = owner_split(pstats.Stats(profile))
    sys.stderr.write("BENCH " + json.dumps(results) + "\n")


# -- the parent: server, tables, children --------------------------------------------------


def _child(endpoint: str, mode: list[str]) -> list[str]:
    return [sys.executable, __file__, "--endpoint", endpoint, *mode]


def _bench_line(err: str) -> Any:
    return json.loads(next(x for x in err.splitlines() if x.startswith("BENCH "))[6:])


def measure_timing(endpoint: str, calls: int) -> list[dict[str, Any]]:
    _, err = _timed_process(_child(endpoint, ["--timing-child", "--calls", str(calls)]), 1800)
    results: list[dict[str, Any]] = _bench_line(err)
    return results


def measure_instructions(endpoint: str, calls: int) -> dict[str, float]:
    """Instructions per call of each route (empty when valgrind is not installed)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return {}
    child = _child(endpoint, ["--instructions-child", "--instructions", str(calls)])
    windows, err = callgrind_windows(valgrind, child)
    return {name: w / calls for name, w in zip(_bench_line(err), windows, strict=True)}


def measure_owners(endpoint: str, calls: int) -> dict[str, dict[str, float]]:
    _, err = _timed_process(_child(endpoint, ["--owners-child", "--owners", str(calls)]), 1800)
    results: dict[str, dict[str, float]] = _bench_line(err)
    return results


# -- report --------------------------------------------------------------------------------


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


@dataclass(frozen=True, slots=True)
class Figures:
    command: str
    calls: int
    instructions_calls: int
    timing: list[dict[str, Any]]
    instructions: dict[str, float]
    owners: dict[str, dict[str, float]]
    owners_calls: int
    load_before: str
    load_after: str


def _verdict(route: str, count: float | None) -> str:
    target = INSTRUCTION_TARGETS.get(route)
    if target is None or count is None:
        return ""
    met = "yes" if count <= target else "**no**"
    return f"<= {target / 1e6:g} M: {met}"


def report(figures: Figures) -> str:
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs"
    day = time.strftime("%Y-%m-%d", time.gmtime())
    lines = [
        "**Warm on DynamoDB over a moto server** (this benchmark's last run).",
        "",
        (
            f"Command: `{figures.command}`. Python {platform.python_version()} ({machine}), "
            f"{day}; load average {figures.load_before} before, {figures.load_after} after. "
            f"Wall and CPU: median of {figures.calls} calls per route after {WARM_UP} of "
            "warm-up (wall includes the moto server's time, CPU is the function's process "
            "alone). Instructions: callgrind, the function's process only, "
            f"{figures.instructions_calls} calls per route after {WARM_UP}."
        ),
        "",
        "| route | wall us | CPU us | status | instructions / request | target (issue 12) |",
        "|---|---:|---:|---|---:|---|",
    ]
    for row in figures.timing:
        count = figures.instructions.get(row["route"])
        counted = "n/a" if count is None else f"{count / 1e6:.2f} M"
        statuses = ", ".join(str(s) for s in row["statuses"])
        lines.append(
            f"| {row['route']} | {row['wall_us']:.0f} | {row['cpu_us']:.0f} | {statuses} | "
            f"{counted} | {_verdict(row['route'], count)} |"
        )
    if figures.owners:
        lines += [
            "",
            (
                f"CPU time by owner, % (cProfile, {figures.owners_calls} calls per route; the "
                "standard library and built-ins charged to their callers):"
            ),
            "",
        ]
        names = sorted({o for split in figures.owners.values() for o in split})
        lines += [f"| route | {' | '.join(names)} |", "|---|" + "---:|" * len(names)]
        for route, split in figures.owners.items():
            cells = " | ".join(f"{split.get(o, 0):.0f}" for o in names)
            lines.append(f"| {route} | {cells} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=30, help="timed calls per route")
    parser.add_argument(
        "--instructions", type=int, default=0, metavar="N",
        help="instructions per call over N calls per route, under callgrind (0: not measured)",
    )  # fmt: skip
    parser.add_argument("--owners", type=int, default=0, metavar="N", help="cProfile N calls")
    parser.add_argument("--moto-python", help="an interpreter with moto[server]")
    parser.add_argument("--write", type=Path, metavar="FILE")
    parser.add_argument("--command", help="how the report names the command that ran it")
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    for mode in ("--timing-child", "--instructions-child", "--owners-child"):
        parser.add_argument(mode, action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    children = {
        "timing_child": _timing_child,
        "instructions_child": _instructions_child,
        "owners_child": _owners_child,
    }
    for flag, run in children.items():
        if getattr(arguments, flag):
            run(arguments)
            return 0
    if not 20 <= arguments.calls <= 5000 or not 0 <= arguments.instructions <= 200:
        parser.error("--calls 20..5000, --instructions 0..200")
    if not 0 <= arguments.owners <= 2000:
        parser.error("--owners 0..2000")
    command = arguments.command or " ".join(
        ["python benchmarks/dynamodb_bench.py", *(argv or sys.argv[1:])]
    )
    load_before = _load()
    python = _moto_python(arguments.moto_python)
    with moto_server(threaded=True, python=python) as endpoint:
        timing = measure_timing(endpoint, arguments.calls)
        sys.stderr.write(f"timing: {json.dumps(timing)}\n")
        instructions = (
            measure_instructions(endpoint, arguments.instructions) if arguments.instructions else {}
        )
        sys.stderr.write(f"instructions: {json.dumps(instructions)}\n")
        owners = measure_owners(endpoint, arguments.owners) if arguments.owners else {}
    figures = Figures(
        command, arguments.calls, arguments.instructions, timing, instructions, owners,
        arguments.owners, load_before, _load(),
    )  # fmt: skip
    text = report(figures)
    if arguments.write:
        write_section(arguments.write, text, BEGIN, END)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
