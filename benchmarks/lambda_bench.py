"""Cold start, warm latency and memory of the Lambda entrypoints (``nox -s bench``).

Four measurements, all on the in-memory store (``ORDERS_STORE=memory``), so what is measured
is our code and its imports, not a database:

1. **Cold start**, per entrypoint: a fresh interpreter that imports the entrypoint as Lambda
   does (``AWS_LAMBDA_RUNTIME_API`` set, so ``bootstrap.init`` builds what it builds: "init
   ms") and serves one request, the sample event from ``events/`` ("first request ms"),
   timed from spawn to exit, ``--runs`` times in rounds (median reported), next to
   ``python -c "import boto3"`` timed the same way in the same run. Target: at most 1.5x the
   boto3 baseline (issue 12: 1.2x for the memory store). A third reference process,
   "libraries only", imports just the libraries every entrypoint's first request needs
   (:data:`LIBRARIES_ONLY`), none of this project's code: the floor the entrypoints stand on.
2. **Warm** per route: the handler called in-process ``--calls`` times after a warm-up;
   median and p99 of the per-call time, and its ratio to a floor measured alike
   (``benchmarks/powertools_floor.py``). Targets: issue 12's per route.
3. **Peak RSS** per route: a fresh process serving ``--rss-requests`` requests of that route,
   then ``ru_maxrss``. Target: at most 50 MB.
4. **Instructions** per route with ``--instructions N`` (``valgrind --tool=callgrind``): one
   process serves each route's warm-up, then ``N`` calls between two ``os.getppid()`` calls,
   where callgrind dumps its counters (``--dump-before=getppid``); the instructions of that
   window over ``N``. Unlike wall time, the count does not depend on the machine's load, so
   it is what the warm targets are checked against.

With ``--importtime`` it also lists, per entrypoint, the imports that cost most
(``python -X importtime``, cumulative). ``--write FILE`` replaces this benchmark's section of
FILE (between its markers) with the report; without it the report goes to stdout.

Entrypoint output (Powertools' JSON logs and metrics) goes to /dev/null: it is still
formatted and written, as in Lambda, but not to a terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support: the moto server the tests start, started alike

EVENTS: Final = ROOT / "events"
BEGIN: Final = "<!-- lambda-bench:begin -->"
END: Final = "<!-- lambda-bench:end -->"
DYNAMODB_BEGIN: Final = "<!-- lambda-bench-dynamodb-cold:begin -->"
DYNAMODB_END: Final = "<!-- lambda-bench-dynamodb-cold:end -->"
COLD_TARGET: Final = 1.2
FLOOR_ROUTE: Final = "floor: Powertools Logger and Metrics around hello world"
# The warm targets per route (median us, in-process, memory store).
WARM_TARGETS_US: Final = {
    "POST /orders": 150.0,
    "POST /orders + Idempotency-Key": 200.0,
    "GET /orders/{order_id}": 60.0,
    "PATCH /orders/{order_id}": 120.0,
    "POST /orders/{order_id}/cancel": 120.0,
    "DELETE /orders/{order_id}": 120.0,
}
LIST_TARGET_US: Final = 200.0
CREATE_OVER_FLOOR: Final = 1.7
RSS_TARGET_MB: Final = 50.0
CALL_TIMEOUT: Final = 120.0
CALLGRIND_TIMEOUT: Final = 3600.0  # callgrind runs the interpreter some 50 times slower

MEMORY_ENVIRONMENT: Final = {
    "ORDERS_STORE": "memory",
    "ORDERS_CURSOR_KEY": "bench-only-cursor-key-0123456789abcdef",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_SERVICE_NAME": "orders",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}

# A cold entrypoint runs as inside Lambda (bootstrap.init at import builds the container, the
# store and the Logger and Metrics): "init ms" is Lambda's init phase, "first request ms" the
# first event after it. Nothing connects to the runtime API: the child calls the handler.
IN_LAMBDA: Final = {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}

# What every entrypoint's first request imports whatever our code does: pydantic (the settings
# and the request models), dependency-injector (the container), Powertools' Logger, Metrics and
# REST resolver.
LIBRARIES_ONLY: Final = (
    "import pydantic, dependency_injector.containers\n"
    "from aws_lambda_powertools import Logger, Metrics\n"
    "from aws_lambda_powertools.event_handler import APIGatewayRestResolver"
)

# The one request a cold process serves: import, build the event, call, report on stderr.
COLD_CHILD: Final = """
import json, sys, time
sys.path.insert(0, {benchmarks!r})  # the floors' modules
started = time.perf_counter()
from {module} import handler
imported = time.perf_counter()

class Context:
    function_name = "bench"
    memory_limit_in_mb = 256
    aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:000000000000:function:bench"
    def get_remaining_time_in_millis(self):
        return 30000

with open(sys.argv[1], encoding="utf-8") as file:
    event = json.load(file)
status = handler(event, Context())["statusCode"]
served = time.perf_counter()
sys.stderr.write("BENCH " + json.dumps(
    {{"import": imported - started, "first": served - imported, "status": status}}
) + "\\n")
"""


@dataclass(frozen=True, slots=True)
class Case:
    """One route's request, and how to make it repeatable: ``prepare`` runs before each call
    (outside the timing) and returns the event for that call."""

    function: str
    route: str
    prepare: Callable[[int], dict[str, Any]]


def _sample(function: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{function}.json").read_text("utf-8"))
    return event


def _subprocess_env() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERS_", "AWS_"))}
    return {**keep, **MEMORY_ENVIRONMENT}


def _cold_child(module: str) -> str:
    return COLD_CHILD.format(module=module, benchmarks=str(Path(__file__).resolve().parent))


def _timed_process(
    arguments: list[str],
    timeout: float = CALL_TIMEOUT,
    *,
    in_lambda: bool = False,
    environment: dict[str, str] | None = None,
) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        arguments,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=timeout,
        check=False,
        env={**_subprocess_env(), **(environment or {}), **(IN_LAMBDA if in_lambda else {})},
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{arguments[:3]} failed:\n{done.stderr[-2000:]}")
    return elapsed, done.stderr


FLOOR: Final = "powertools_floor"


def _function_module(function: str) -> str:
    # The floors are modules beside this script (benchmarks/, on sys.path).
    if function in (FLOOR, "dynamodb_floor", "dynamodb_powertools_floor"):
        return function
    return f"orders_lambda.entrypoints.{function}"


FUNCTIONS: Final = (
    "create_order",
    "get_order",
    "list_orders",
    "update_order",
    "cancel_order",
    "delete_order",
    "docs",
)


@dataclass(frozen=True, slots=True)
class ColdResult:
    name: str
    median_ms: float
    import_ms: float | None = None
    first_ms: float | None = None
    status: str | None = None  # every status the samples answered, "/"-separated
    served_ms: float | None = None  # init and first request (median of their sums)
    cpu_ms: float | None = None  # CPU time of the whole process, spawn to exit


def _cold_sample(
    arguments: list[str], environment: dict[str, str] | None = None
) -> tuple[float, dict[str, Any]]:
    """One cold process as inside Lambda: its wall time, and what it measured inside, with
    the CPU time (user and system) it used, ``cpu``."""
    before = _children_cpu()
    elapsed, err = _timed_process(arguments, in_lambda=True, environment=environment)
    line = next(x for x in err.splitlines() if x.startswith("BENCH "))
    inside: dict[str, Any] = json.loads(line.removeprefix("BENCH "))
    inside["cpu"] = _children_cpu() - before
    return elapsed, inside


def _children_cpu() -> float:
    """CPU seconds of this process's children that have ended (one runs at a time here; the
    moto server, still running, is not among them)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _cold_results(
    walls: dict[str, list[float]], inside: dict[str, list[dict[str, Any]]]
) -> list[ColdResult]:
    """Medians per process, in ``walls``' order; those in ``inside`` with init and first
    (and the CPU time, where measured)."""
    results = []
    for name, times in walls.items():
        samples = inside.get(name, [])
        cpu = [s["cpu"] for s in samples if "cpu" in s]
        cpu_ms = statistics.median(cpu) * 1000 if cpu else None
        if not any("import" in s for s in samples):
            results.append(ColdResult(name, statistics.median(times) * 1000, cpu_ms=cpu_ms))
            continue
        results.append(
            ColdResult(
                name,
                statistics.median(times) * 1000,
                statistics.median(s["import"] for s in samples) * 1000,
                statistics.median(s["first"] for s in samples) * 1000,
                "/".join(sorted({str(s["status"]) for s in samples})),
                statistics.median(s["import"] + s["first"] for s in samples) * 1000,
                cpu_ms,
            )
        )
    return results


def measure_cold(runs: int) -> list[ColdResult]:
    """Every process ``runs`` times, in rounds: each round spawns each process once, so a
    change in the shared machine's load falls on all of them alike, not on a few."""
    python = sys.executable
    references = {
        "python -c pass": "pass",
        'python -c "import boto3"': "import boto3",
        "libraries only": LIBRARIES_ONLY,
    }
    walls: dict[str, list[float]] = {name: [] for name in (*references, *FUNCTIONS)}
    inside: dict[str, list[dict[str, Any]]] = {function: [] for function in FUNCTIONS}
    with tempfile.TemporaryDirectory() as scratch:
        children = {}
        for function in FUNCTIONS:
            event_file = Path(scratch) / f"{function}.json"
            event_file.write_text(json.dumps(_sample(function)), "utf-8")
            child = _cold_child(_function_module(function))
            children[function] = [python, "-c", child, str(event_file)]
        for _ in range(runs):
            for label, code in references.items():
                walls[label].append(_timed_process([python, "-c", code])[0])
            for function, arguments in children.items():
                elapsed, measured = _cold_sample(arguments)
                walls[function].append(elapsed)
                inside[function].append(measured)
    return _cold_results(walls, inside)


# -- cold, on DynamoDB over a moto server --------------------------------------------------

BARE_FLOOR: Final = "dynamodb_floor"  # benchmarks/dynamodb_floor.py
LIBRARIES_FLOOR: Final = "dynamodb_powertools_floor"  # benchmarks/dynamodb_powertools_floor.py
BOTO3: Final = 'python -c "import boto3"'
DYNAMODB_COLD_TARGET: Final = 1.15
DYNAMODB_FUNCTIONS: Final = tuple(f for f in FUNCTIONS if f != "docs")  # docs reads no store
BENCH_TABLE: Final = "bench-orders"
BENCH_IDEMPOTENCY_TABLE: Final = "bench-idempotency"


def _dummy_aws() -> dict[str, str]:
    """The tests' dummy credentials, in the function processes, the moto server and this
    process's own client: nothing here can reach an AWS account. Lambda also hands a function
    its credentials in such variables, so the SDK finds them as it does there.

    The tests' support module is imported here, not at the top: the RSS children import this
    module, and what it imports would count in their peak (0.5-1.5 MB)."""
    from tests.support.moto_server import AWS_TEST_ENVIRONMENT  # noqa: PLC0415

    return dict(AWS_TEST_ENVIRONMENT)


# What each DynamoDB sample does, for the report: every order it reads or changes is placed
# for the sample's customer before the process starts (outside the timing).
DYNAMODB_REQUESTS: Final = {
    BARE_FLOOR: "GetItem of a placed order, plain function",
    LIBRARIES_FLOOR: "the same GetItem behind APIGatewayRestResolver and Logger",
    "create_order": "keyed create, a new Idempotency-Key each run (idempotency record + order)",
    "get_order": "GET of a placed order",
    "list_orders": "first page of the customer's orders (up to 20)",
    "update_order": "PATCH of a placed order's lines, If-Match its version",
    "cancel_order": "cancel of a placed order",
    "delete_order": "DELETE of a placed order",
}


def _moto_python(given: str | None) -> str:
    """An interpreter that has moto's server: ``given``, or one of the nox environments'."""
    candidates = (
        [given]
        if given
        else [
            str(ROOT / ".nox" / "bench_moto" / "bin" / "python"),
            str(ROOT / ".nox" / "ci" / "bin" / "python"),
        ]
    )
    for python in candidates:
        if not Path(python).exists():
            continue
        probe = subprocess.run(  # noqa: S603 - a fixed probe of a local interpreter
            [python, "-c", "import moto.server"], capture_output=True, check=False
        )
        if probe.returncode == 0:
            return python
    raise SystemExit(
        f"no interpreter with moto[server] among {candidates}: pass --moto-python "
        "(nox -s bench makes .nox/bench_moto)"
    )


@contextmanager
def _dummy_credentials() -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(_dummy_aws())
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def dynamodb_environment(endpoint: str) -> dict[str, str]:
    """What a function process on the bench's tables sees (on top of the memory settings)."""
    return {
        **_dummy_aws(),
        "ORDERS_STORE": "dynamodb",
        "ORDERS_TABLE_NAME": BENCH_TABLE,
        "ORDERS_IDEMPOTENCY_TABLE": BENCH_IDEMPOTENCY_TABLE,
        "ORDERS_DYNAMODB_ENDPOINT": endpoint,
    }


def _dynamodb_placer(endpoint: str) -> Callable[[str], str]:
    """Create the bench's tables on ``endpoint``; a function that places an order for a
    customer there, through the service's own use case and store, and returns its id."""
    from orders_adapters.dynamodb import (  # noqa: PLC0415 - the parent only
        DynamoDbOrderRepository,
        create_orders_table,
        make_dynamodb_client,
    )
    from orders_adapters.system import RandomOrderIds, SystemClock  # noqa: PLC0415
    from orders_adapters.table_definition import IDEMPOTENCY_TABLE  # noqa: PLC0415
    from orders_core import NewLine, NoDiscounts, PlaceOrder, Principal  # noqa: PLC0415

    client = make_dynamodb_client(endpoint_url=endpoint, read_timeout=30.0)
    create_orders_table(client, BENCH_TABLE)
    create_orders_table(client, BENCH_IDEMPOTENCY_TABLE, IDEMPOTENCY_TABLE)
    key = MEMORY_ENVIRONMENT["ORDERS_CURSOR_KEY"].encode()
    repo = DynamoDbOrderRepository(client, BENCH_TABLE, cursor_key=key)
    place = PlaceOrder(repo=repo, pricing=NoDiscounts(), clock=SystemClock(), ids=RandomOrderIds())

    def placed(customer: str) -> str:
        order = place(
            Principal.customer(customer), currency="EUR", lines=[NewLine("BOOK-42", 2, "12.50")]
        )
        return str(order.id)

    return placed


def _dynamodb_event(name: str, run: int, place: Callable[[str], str]) -> dict[str, Any]:
    """The sample event of ``name`` for run ``run``, its order placed beforehand."""
    event = _sample("get_order" if name in (BARE_FLOOR, LIBRARIES_FLOOR) else name)
    if name == "create_order":
        event["headers"]["Idempotency-Key"] = f"bench-cold-{run}"
        event["multiValueHeaders"]["Idempotency-Key"] = [f"bench-cold-{run}"]
        return event
    if event.get("pathParameters"):
        customer = event["requestContext"]["authorizer"]["claims"]["sub"]
        return _with_order(event, place(customer))
    return event


def measure_dynamodb_cold(runs: int, moto_python: str) -> list[ColdResult]:
    """The floors and every store-backed entrypoint on DynamoDB over a moto server (its own
    process, on loopback), cold as inside Lambda, in rounds with ``import boto3``."""
    from tests.support.moto_server import moto_server  # noqa: PLC0415 - see _dummy_aws()

    python = sys.executable
    names = (BARE_FLOOR, LIBRARIES_FLOOR, *DYNAMODB_FUNCTIONS)
    walls: dict[str, list[float]] = {name: [] for name in (BOTO3, *names)}
    inside: dict[str, list[dict[str, Any]]] = {name: [] for name in (BOTO3, *names)}
    with (
        moto_server(threaded=True, python=moto_python) as endpoint,
        _dummy_credentials(),
        tempfile.TemporaryDirectory() as scratch,
    ):
        environment = dynamodb_environment(endpoint)
        place = _dynamodb_placer(endpoint)
        event_file = Path(scratch) / "event.json"
        for run in range(runs):
            before = _children_cpu()
            walls[BOTO3].append(_timed_process([python, "-c", "import boto3"])[0])
            inside[BOTO3].append({"cpu": _children_cpu() - before})
            for name in names:
                event_file.write_text(json.dumps(_dynamodb_event(name, run, place)), "utf-8")
                arguments = [python, "-c", _cold_child(_function_module(name)), str(event_file)]
                elapsed, measured = _cold_sample(arguments, environment)
                walls[name].append(elapsed)
                inside[name].append(measured)
    return _cold_results(walls, inside)


# -- warm, in-process ----------------------------------------------------------------------


def _with_order(event: dict[str, Any], order_id: str) -> dict[str, Any]:
    sample_id = event["pathParameters"]["order_id"]
    replaced: dict[str, Any] = json.loads(json.dumps(event).replace(sample_id, order_id))
    return replaced


LISTED_ORDERS: Final = 40
LISTER: Final = "bench-lister"


def _cases(place: Callable[[str], str]) -> list[Case]:
    """A case per route; orders the calls need are placed by ``place`` outside the timing.

    Listing reads a customer of its own with a fixed number of orders, so its figure does not
    depend on how many orders the other cases have placed by then.
    """
    create = _sample("create_order")
    create["headers"].pop("Idempotency-Key", None)
    create["multiValueHeaders"].pop("Idempotency-Key", None)
    keyed = _sample("create_order")
    listing = _sample("list_orders")
    listing["queryStringParameters"] = listing["multiValueQueryStringParameters"] = None
    listing["requestContext"]["authorizer"]["claims"]["sub"] = LISTER
    for _ in range(LISTED_ORDERS):
        place(LISTER)
    alice = _sample("get_order")["requestContext"]["authorizer"]["claims"]["sub"]
    readable = _with_order(_sample("get_order"), place(alice))
    editable = place(alice)
    update = _with_order(_sample("update_order"), editable)

    def keyed_create(n: int) -> dict[str, Any]:
        keyed["headers"]["Idempotency-Key"] = f"bench-{n}"
        return keyed

    def next_update(n: int) -> dict[str, Any]:
        update["headers"]["If-Match"] = f'"{n + 1}"'
        return update

    return [
        Case(FLOOR, FLOOR_ROUTE, lambda _: _sample("get_order")),
        Case("create_order", "POST /orders", lambda _: create),
        Case("create_order", "POST /orders + Idempotency-Key", keyed_create),
        Case("get_order", "GET /orders/{order_id}", lambda _: readable),
        Case("list_orders", f"GET /orders (20 of {LISTED_ORDERS})", lambda _: listing),
        Case("update_order", "PATCH /orders/{order_id}", next_update),
        Case(
            "cancel_order",
            "POST /orders/{order_id}/cancel",
            lambda _: _with_order(_sample("cancel_order"), place(alice)),
        ),
        Case(
            "delete_order",
            "DELETE /orders/{order_id}",
            lambda _: _with_order(_sample("delete_order"), place(alice)),
        ),
        Case("docs", "GET /openapi.json", lambda _: _sample("docs")),
    ]


@contextmanager
def _quiet_memory_service() -> Iterator[None]:
    os.environ.update(MEMORY_ENVIRONMENT)
    with Path(os.devnull).open("w", encoding="utf-8") as sink, redirect_stdout(sink):
        yield


def _placer() -> Callable[[str], str]:
    from orders_core import NewLine, Principal  # noqa: PLC0415 - after the environment is set
    from orders_lambda import bootstrap  # noqa: PLC0415

    def place(customer: str) -> str:
        order = bootstrap.container().place_order()(
            Principal.customer(customer), currency="EUR", lines=[NewLine("BOOK-42", 2, "12.50")]
        )
        return str(order.id)

    return place


@dataclass(frozen=True, slots=True)
class WarmResult:
    route: str
    median_us: float
    p99_us: float
    status: int


def _run_case(case: Case, calls: int) -> WarmResult:
    from orders_lambda.routes import load_handler  # noqa: PLC0415
    from orders_local.context import LocalLambdaContext  # noqa: PLC0415

    handler = load_handler(f"{_function_module(case.function)}:handler")
    context = LocalLambdaContext("bench", timeout_seconds=900)
    status = 0
    for n in range(min(200, calls)):  # warm-up, not timed (cases that consume orders too)
        status = handler(case.prepare(n), context)["statusCode"]
    timings = []
    for n in range(calls):
        event = case.prepare(n + min(200, calls))
        started = time.perf_counter_ns()
        status = handler(event, context)["statusCode"]
        timings.append(time.perf_counter_ns() - started)
    cut = statistics.quantiles(timings, n=100)
    return WarmResult(case.route, statistics.median(timings) / 1000, cut[98] / 1000, status)


def _fresh_case(index: int) -> Case:
    """Case ``index`` over a new, empty in-memory store, so no route pays for the orders an
    earlier one left behind."""
    from orders_lambda import bootstrap  # noqa: PLC0415

    bootstrap.install(None)
    return _cases(_placer())[index]


def measure_warm(calls: int) -> list[WarmResult]:
    with _quiet_memory_service():
        count = len(_cases(_placer()))
        return [_run_case(_fresh_case(index), calls) for index in range(count)]


def _rss_child(route: str, requests: int) -> None:
    """In a fresh process: serve ``requests`` of ``route``, print the peak RSS in MB."""
    with _quiet_memory_service():
        case = next(c for c in _cases(_placer()) if c.route == route)
        _run_case(case, requests)
    sys.stderr.write(f"BENCH {_peak_rss_kb() / 1024:.1f}\n")


def _peak_rss_kb() -> int:
    """This process's own peak RSS. Linux's ``ru_maxrss`` also counts its parent's RSS at the
    fork (the mark survives exec), so a benchmark grown large would floor every child's
    figure; ``VmHWM`` is the peak of this process's own memory."""
    try:
        for line in Path("/proc/self/status").read_text("ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass  # no /proc: the portable figure
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure_rss(requests: int) -> dict[str, float]:
    with _quiet_memory_service():
        # Not the floor's: its process would hold this service's imports and orders too.
        routes = [case.route for case in _cases(_placer()) if case.function != FLOOR]
    peaks = {}
    for route in routes:
        _, err = _timed_process(
            [sys.executable, __file__, "--rss-child", route, "--rss-requests", str(requests)]
        )
        peaks[route] = float(next(x for x in err.splitlines() if x.startswith("BENCH "))[6:])
    return peaks


# -- instructions, under callgrind ---------------------------------------------------------

WARM_UP: Final = 50


def _instructions_child(calls: int) -> None:
    """Under callgrind: every case's warm-up, then ``calls`` calls between two getppid()
    calls (the dump points); each event is prepared, and copied, before the window opens."""
    with _quiet_memory_service():
        from orders_lambda.routes import load_handler  # noqa: PLC0415
        from orders_local.context import LocalLambdaContext  # noqa: PLC0415

        context = LocalLambdaContext("bench", timeout_seconds=900)
        routes = []
        for index in range(len(_cases(_placer()))):
            case = _fresh_case(index)
            handler = load_handler(f"{_function_module(case.function)}:handler")
            events = [json.loads(json.dumps(case.prepare(n))) for n in range(WARM_UP + calls)]
            for event in events[:WARM_UP]:
                handler(event, context)
            os.getppid()
            for event in events[WARM_UP:]:
                handler(event, context)
            os.getppid()
            routes.append(case.route)
    sys.stderr.write("BENCH " + json.dumps(routes) + "\n")


def callgrind_windows(valgrind: str, child: list[str]) -> tuple[list[int], str]:
    """Run ``child`` (a Python command) under callgrind, dumping at every ``os.getppid()``:
    the instructions of each window between two such calls, and the child's stderr."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "callgrind.out"
        _, err = _timed_process(
            [
                valgrind, "--tool=callgrind", "--dump-before=getppid",
                f"--callgrind-out-file={out}", *child,
            ],
            timeout=CALLGRIND_TIMEOUT,
        )  # fmt: skip
        totals = []
        for part in sorted(Path(scratch).glob("callgrind.out.*"), key=lambda f: int(f.suffix[1:])):
            found = re.search(r"^summary: (\d+)", part.read_text("utf-8"), re.MULTILINE)
            totals.append(int(found.group(1)) if found else 0)
    # Dumps alternate: everything up to a window (imports, placing, the warm-up), the window.
    return totals[1::2], err


def measure_instructions(calls: int) -> dict[str, float]:
    """Instructions per call of each route (empty when valgrind is not installed)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return {}
    windows, err = callgrind_windows(
        valgrind, [sys.executable, __file__, "--instructions-child", "--instructions", str(calls)]
    )
    routes = json.loads(next(x for x in err.splitlines() if x.startswith("BENCH "))[6:])
    return {route: total / calls for route, total in zip(routes, windows, strict=True)}


# -- import time ---------------------------------------------------------------------------


def import_profile(module: str, top: int) -> list[tuple[float, str]]:
    """The ``top`` imports with the largest cumulative time (ms) when importing ``module``."""
    _, err = _timed_process([sys.executable, "-X", "importtime", "-c", f"import {module}"])
    rows = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (
            part.strip() for part in line.removeprefix("import time:").split("|")
        )
        rows.append((int(cumulative) / 1000, name))
    return sorted(rows, reverse=True)[:top]


# -- report --------------------------------------------------------------------------------


def _verdict(*, ok: bool) -> str:
    return "yes" if ok else "**no**"


@dataclass(frozen=True, slots=True)
class Figures:
    command: str
    runs: int
    calls: int
    rss_requests: int
    cold: list[ColdResult]
    warm: list[WarmResult]
    rss: dict[str, float]
    imports: dict[str, list[tuple[float, str]]]
    instructions: dict[str, float]
    instructions_calls: int


def _cold_table(figures: Figures) -> list[str]:
    baseline = next(r.median_ms for r in figures.cold if "boto3" in r.name)
    lines = [
        (
            "### Cold start (fresh process: import the entrypoint, serve one request; "
            f"median of {figures.runs})"
        ),
        "",
        (
            "| process | wall ms | init ms | first request ms | status | x boto3 "
            f"| <= {COLD_TARGET}x |"
        ),
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in figures.cold:
        ratio = row.median_ms / baseline
        if row.import_ms is None or row.first_ms is None:
            lines.append(f"| `{row.name}` | {row.median_ms:.0f} | | | | {ratio:.2f} | |")
            continue
        lines.append(
            f"| {row.name} | {row.median_ms:.0f} | {row.import_ms:.0f} | {row.first_ms:.0f} | "
            f"{row.status} | {ratio:.2f} | {_verdict(ok=ratio <= COLD_TARGET)} |"
        )
    return lines


def _warm_target(route: str) -> float | None:
    if route.startswith("GET /orders ("):
        return LIST_TARGET_US
    return WARM_TARGETS_US.get(route)


def _warm_table(figures: Figures) -> list[str]:
    floor = next((r.median_us for r in figures.warm if r.route == FLOOR_ROUTE), float("nan"))
    counted = bool(figures.instructions)
    lines = [
        (
            f"### Warm (in-process, {figures.calls} calls after a warm-up) and peak RSS "
            f"(fresh process, {figures.rss_requests} requests)"
        ),
        "",
        (
            "| route | median us | p99 us | x floor | status | target us | met "
            f"| instructions / request | peak RSS MB | <= {RSS_TARGET_MB:.0f} MB |"
        ),
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---|",
    ]
    for row in figures.warm:
        peak = figures.rss.get(row.route)
        target = _warm_target(row.route)
        met = "" if target is None else _verdict(ok=row.median_us <= target)
        if row.route == "POST /orders":
            met += f", {_verdict(ok=row.median_us <= CREATE_OVER_FLOOR * floor)} "
            met += f"(<= {CREATE_OVER_FLOOR}x floor)"
        count = figures.instructions.get(row.route)
        counts = f"{count / 1e6:.2f} M" if count is not None else ("" if counted else "n/a")
        lines.append(
            f"| {row.route} | {row.median_us:.0f} | {row.p99_us:.0f} | "
            f"{row.median_us / floor:.2f} | {row.status} | "
            f"{'' if target is None else f'{target:.0f}'} | {met} | {counts} | "
            + ("| |" if peak is None else f"{peak:.1f} | {_verdict(ok=peak <= RSS_TARGET_MB)} |")
        )
    if figures.instructions_calls:
        lines += [
            "",
            (
                f"Instructions: `valgrind --tool=callgrind`, {figures.instructions_calls} calls "
                f"per route after {WARM_UP} of warm-up, in one process; independent of the load."
            ),
        ]
    return lines


def report(figures: Figures) -> str:
    machine = _machine()
    day = time.strftime("%Y-%m-%d", time.gmtime())
    lines = [
        "## Lambda entrypoints: cold start, warm requests and memory",
        "",
        (
            f"Command: `{figures.command}`. Python {platform.python_version()} ({machine}), "
            f"{day}. In-memory store throughout."
        ),
        "",
        *_cold_table(figures),
        "",
        *_warm_table(figures),
    ]
    for module, rows in figures.imports.items():
        lines += ["", f"Largest cumulative imports of `{module}` (`python -X importtime`, ms):", ""]
        lines += [f"- {ms:.0f} `{name}`" for ms, name in rows]
    return "\n".join(lines) + "\n"


def _machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load} at the end"


def dynamodb_report(command: str, runs: int, cold: list[ColdResult], load_before: str) -> str:
    """The DynamoDB cold-start table: every process against both floors and ``import boto3``.

    The target is on the wall time, spawn to exit, as for the memory store; "init + first"
    is what Lambda counts as a cold start (the process stays), set against the same floor's;
    the CPU time, spawn to exit, depends least on the shared machine's load.
    """
    rows = {row.name: row for row in cold}
    libraries, bare = rows[LIBRARIES_FLOOR], rows[BARE_FLOOR]
    boto3 = rows[BOTO3].median_ms
    day = time.strftime("%Y-%m-%d", time.gmtime())
    lines = [
        (
            "**Cold start on DynamoDB over a moto server** (fresh process as inside Lambda, "
            f"median of {runs})."
        ),
        "",
        (
            f"Command: `{command}`. Python {platform.python_version()} ({_machine()}; "
            f"{load_before} at the start), {day}."
        ),
        "",
        (
            "| process | request | status | init ms | first request ms | init + first ms "
            "| x floor (init + first) | CPU ms | x floor (CPU) | wall ms "
            f"| x required-libraries floor | <= {DYNAMODB_COLD_TARGET}x | x bare-SDK floor "
            "| x boto3 |"
        ),
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for row in cold:
        cpu = (
            "| |"
            if row.cpu_ms is None or libraries.cpu_ms is None
            else (f"{row.cpu_ms:.0f} | {row.cpu_ms / libraries.cpu_ms:.2f} |")
        )
        ratios = (
            f"{cpu} {row.median_ms:.0f} | {row.median_ms / libraries.median_ms:.2f} | "
            f"{{verdict}} | {row.median_ms / bare.median_ms:.2f} | {row.median_ms / boto3:.2f} |"
        )
        if row.import_ms is None or row.first_ms is None or row.served_ms is None:
            lines.append(f"| `{row.name}` | | | | | | | " + ratios.format(verdict=""))
            continue
        floor = row.name in (BARE_FLOOR, LIBRARIES_FLOOR)
        ok = row.median_ms / libraries.median_ms <= DYNAMODB_COLD_TARGET
        served = row.served_ms / (libraries.served_ms or float("nan"))
        lines.append(
            f"| {f'`{row.name}`' if floor else row.name} | {DYNAMODB_REQUESTS[row.name]} | "
            f"{row.status} | {row.import_ms:.0f} | {row.first_ms:.0f} | {row.served_ms:.0f} | "
            f"{served:.2f} | " + ratios.format(verdict="" if floor else _verdict(ok=ok))
        )
    return "\n".join(lines) + "\n"


def write_section(path: Path, body: str, begin: str = BEGIN, end: str = END) -> None:
    """Put ``body`` between the markers ``begin`` and ``end`` in ``path`` (appended when
    absent)."""
    text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    section = f"{begin}\n{body}{end}"
    if begin in text and end in text:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        text = f"{head}{section}{tail}"
    else:
        text = f"{text.rstrip()}\n\n{section}\n"
    path.write_text(text, "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10, help="fresh processes per entrypoint")
    parser.add_argument("--calls", type=int, default=5000, help="warm calls per route")
    parser.add_argument("--rss-requests", type=int, default=2000)
    parser.add_argument("--importtime", type=int, default=0, metavar="N", help="top N imports")
    parser.add_argument("--write", type=Path, metavar="FILE")
    parser.add_argument("--command", help="how the report names the command that ran it")
    parser.add_argument(
        "--instructions", type=int, default=0, metavar="N",
        help="instructions per call over N calls per route, under callgrind (0: not measured)",
    )  # fmt: skip
    parser.add_argument(
        "--only", choices=["dynamodb-cold"],
        help="measure and write only this part (dynamodb-cold: its own section of FILE)",
    )  # fmt: skip
    parser.add_argument(
        "--moto-python", metavar="PYTHON",
        help="an interpreter with moto[server] for the DynamoDB part's server "
        "(default: .nox/bench_moto's, else .nox/ci's)",
    )  # fmt: skip
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    parser.add_argument("--instructions-child", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.rss_child:
        _rss_child(arguments.rss_child, arguments.rss_requests)
        return 0
    if arguments.instructions_child:
        _instructions_child(arguments.instructions)
        return 0
    bounded = (1 <= arguments.runs <= 100, 100 <= arguments.calls <= 100_000)
    if not all(bounded) or not 100 <= arguments.rss_requests <= 100_000:
        parser.error("--runs 1..100, --calls and --rss-requests 100..100000")
    if not 0 <= arguments.instructions <= 10_000:
        parser.error("--instructions 0..10000")
    command = arguments.command or " ".join(
        ["python benchmarks/lambda_bench.py", *(argv or sys.argv[1:])]
    )
    moto_python = _moto_python(arguments.moto_python)
    load_before = "{:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg())
    dynamodb = dynamodb_report(
        command, arguments.runs, measure_dynamodb_cold(arguments.runs, moto_python), load_before
    )
    if arguments.only == "dynamodb-cold":
        if arguments.write:
            write_section(arguments.write, dynamodb, DYNAMODB_BEGIN, DYNAMODB_END)
        sys.stdout.write(dynamodb)
        return 0
    figures = Figures(
        command=command,
        runs=arguments.runs,
        calls=arguments.calls,
        rss_requests=arguments.rss_requests,
        cold=measure_cold(arguments.runs),
        rss=measure_rss(arguments.rss_requests),
        warm=measure_warm(arguments.calls),
        instructions=measure_instructions(arguments.instructions) if arguments.instructions else {},
        instructions_calls=arguments.instructions,
        imports={
            _function_module(f): import_profile(_function_module(f), arguments.importtime)
            for f in (FUNCTIONS if arguments.importtime else ())
        },
    )
    text = report(figures)
    if arguments.write:
        write_section(arguments.write, text)
        write_section(arguments.write, dynamodb, DYNAMODB_BEGIN, DYNAMODB_END)
    sys.stdout.write(text + "\n" + dynamodb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
