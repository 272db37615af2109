"""The one way to lint, type-check, test and run the project: ``nox -s <session>``.

``nox -s ci`` is what CI and the README's test command run: every gate and every test tier in
one environment, so a green run means what it says.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["ci"]
nox.options.error_on_missing_interpreters = True

DEV = ".[dev]"
SOURCES = ("src", "tests", "deploy_pulumi", "benchmarks", "noxfile.py")


def _lint(session: nox.Session) -> None:
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


def _types(session: nox.Session) -> None:
    session.run("mypy", "--strict", "src", "tests", "deploy_pulumi", "benchmarks")


def _layers(session: nox.Session) -> None:
    session.run("lint-imports")


# The public modules: orders_core's __all__ hides its submodules from pdoc, so the two public
# ones are named; orders_adapters has no __all__ and pdoc walks all of it.
API_MODULES = ("orders_core", "orders_core.rules", "orders_core.testing", "orders_adapters")


def _apidocs(session: nox.Session) -> None:
    # pdoc: one dependency, no configuration, and it reads what the code already has (the
    # docstrings, __all__ and the type annotations); mkdocs would need a site config and a
    # plugin to say the same. It fails when a module cannot be imported.
    session.run(
        "python", "-m", "pdoc", "--docformat", "restructuredtext", "-o", "build/api",
        *API_MODULES,
    )  # fmt: skip


def _tests(session: nox.Session) -> None:
    session.run("pytest", *(session.posargs or ["-q"]))


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: a broad rule selection and the formatter."""
    session.install("ruff>=0.6")
    _lint(session)


@nox.session
def types(session: nox.Session) -> None:
    """mypy --strict over src and tests."""
    session.install("-e", DEV)
    _types(session)


@nox.session
def layers(session: nox.Session) -> None:
    """import-linter: the dependency rule of docs/architecture.md."""
    session.install("-e", DEV)
    _layers(session)


@nox.session
def tests(session: nox.Session) -> None:
    """Every test tier; pass pytest arguments after ``--`` (e.g. ``-- -m integration``)."""
    session.install("-e", DEV)
    _tests(session)


@nox.session
def ci(session: nox.Session) -> None:
    """All gates, then all tests, in one environment."""
    session.install("-e", DEV)
    _lint(session)
    _types(session)
    _layers(session)
    _apidocs(session)
    _tests(session)


@nox.session
def apidocs(session: nox.Session) -> None:
    """The API reference from the docstrings, as HTML in build/api (pdoc)."""
    session.install("-e", DEV)
    _apidocs(session)


@nox.session
def demo(session: nox.Session) -> None:
    """Place, pay and list orders through the library on the SQLite store."""
    session.install(".")
    session.run("orders-demo", *session.posargs)


@nox.session
def openapi(session: nox.Session) -> None:
    """Regenerate docs/openapi.json and the manifest's request body schemas from the code; the
    tests fail while either is stale."""
    session.install("-e", DEV)
    session.run("python", "-m", "orders_lambda.http.openapi", "docs/openapi.json")
    session.run("python", "-m", "orders_lambda.http.body_schemas")


@nox.session
def serve(session: nox.Session) -> None:
    """The HTTP API on http://127.0.0.1:8000 (Swagger UI at /swagger), orders kept in
    .orders/; pass options after ``--`` (e.g. ``-- --port 9000 --flags flags.json``)."""
    session.install(".[local]")
    session.run("orders", "serve", *session.posargs)


@nox.session
def e2e(session: nox.Session) -> None:
    """Only the end-to-end tests: ``orders serve`` in its own process, driven over HTTP."""
    session.install("-e", DEV)
    session.run("pytest", "tests/e2e", *(session.posargs or ["-q"]))


@nox.session
def crash(session: nox.Session) -> None:
    """The crash loop at full length: ``orders serve`` SIGKILLed at random points 200 times
    while keyed creates stream in, then one order per key checked. CI's run kills it 25
    times: each restart costs 3 to 5 s on a 2-core machine, so 200 take about 15 minutes.
    Another count with ``CRASH_LOOP_KILLS=N``, a seed with ``CRASH_LOOP_SEED``; pytest
    arguments after ``--``."""
    session.install("-e", DEV)
    session.run(
        "pytest",
        "tests/e2e/test_crash_loop.py",
        *(session.posargs or ["-q", "-rP"]),
        env={"CRASH_LOOP_KILLS": os.environ.get("CRASH_LOOP_KILLS", "200")},
    )


def _moto_environment(session: nox.Session) -> str:
    """The interpreter of ``.nox/bench_moto``, a plain venv with the dev extra's moto[server]
    (made on first use, brought up to that requirement every time)."""
    with Path("pyproject.toml").open("rb") as file:
        dev = tomllib.load(file)["project"]["optional-dependencies"]["dev"]
    moto = next(requirement for requirement in dev if requirement.startswith("moto["))
    location = Path(session.virtualenv.location).parent / "bench_moto"
    python = location / "bin" / "python"
    if not python.exists():
        session.run(sys.executable, "-m", "venv", str(location), external=True)
    session.run(str(python), "-m", "pip", "install", "-q", moto, external=True)
    return str(python)


@nox.session
def bench(session: nox.Session) -> None:
    """Cold start, warm latency and memory of every entrypoint, written to
    docs/benchmarks.md; not a test, and the figures depend on the machine.

    Installs what a function ships with (the ``lambda`` extra) and nothing of the dev tools:
    some libraries import optional packages when present (dependency-injector imports
    werkzeug and PyYAML), which would charge the functions for imports they don't make.
    Bytecode is compiled at install, as the Lambda artifact ships it. The DynamoDB part's
    moto server runs from an environment of its own (``.nox/bench_moto``, made here), so the
    functions' environment holds none of moto's dependencies. ``-- --only dynamodb-cold``
    runs that part alone (and not ``benchmarks/dynamodb_bench.py``)."""
    session.install(".[lambda]", env={"UV_COMPILE_BYTECODE": "1"})
    moto_python = _moto_environment(session)
    session.run(
        "python",
        "benchmarks/lambda_bench.py",
        "--moto-python",
        moto_python,
        "--importtime",
        "8",
        "--instructions",
        "100",
        "--write",
        "docs/benchmarks.md",
        "--command",
        "nox -s bench",
        *session.posargs,
    )
    if any(argument.startswith("--only") for argument in session.posargs):
        return  # one part of lambda_bench alone, nothing else
    session.run(
        "python",
        "benchmarks/dynamodb_bench.py",
        "--moto-python",
        moto_python,
        "--instructions",
        "20",
        "--owners",
        "30",
        "--write",
        "docs/benchmarks.md",
        "--command",
        "nox -s bench",
    )


@nox.session
def cost(session: nox.Session) -> None:
    """What one order's life and 1,000,000 orders a month cost per stack, by service
    (deploy_pulumi/cost_model.py); pass options after ``--`` (e.g. ``-- --stack prod``)."""
    session.install("-e", ".[deploy]")
    session.run("python", "-m", "deploy_pulumi.cost_model", *session.posargs)


@nox.session
def package(session: nox.Session) -> None:
    """The Lambda zip for a stack's runtime, deterministic; see docs/deploy.md.

    ``nox -s package -- --stack prod`` (the version from Pulumi.prod.yaml), or
    ``--python-version 3.11``, ``--interpreter PATH`` (one of that version, for the bytecode),
    ``--with-sdk`` (bundle boto3 instead of the runtime's).
    """
    session.install("pip", "pyyaml")
    session.run("python", "-m", "deploy_pulumi.artifact", *session.posargs)


@nox.session(name="bench_serve")
def bench_serve(session: nox.Session) -> None:
    """``orders serve`` under load on loopback: req/s and p50/p99 per route at 1 and 16
    clients, a mixed workload, the hello-world floor behind the same front end, and a soak of
    50,000 requests with open files and RSS of every process; written to docs/benchmarks.md.
    Not a test: the figures depend on the machine (``-- --seconds 10 --soak 100000``)."""
    session.install(".[local]")
    session.run(
        "python",
        "benchmarks/serve_bench.py",
        "--write",
        "docs/benchmarks.md",
        "--command",
        "nox -s bench_serve",
        *session.posargs,
    )


@nox.session
def conformance(session: nox.Session) -> None:
    """schemathesis against ``orders serve`` at length, as a customer and as staff, and the
    generated client's type check and lifecycle (CI runs both bounded: 15 cases per
    operation and 40 s per run). ``CONFORMANCE_EXAMPLES`` (default 200) and
    ``CONFORMANCE_SECONDS`` (default 600) set the bounds, ``CONFORMANCE_SEED`` the seed;
    pytest arguments after ``--``."""
    session.install("-e", DEV)
    session.run(
        "pytest",
        "tests/e2e/test_conformance.py",
        "tests/e2e/test_generated_client.py",
        *(session.posargs or ["-q", "-rP"]),
        env={
            "CONFORMANCE_EXAMPLES": os.environ.get("CONFORMANCE_EXAMPLES", "200"),
            "CONFORMANCE_SECONDS": os.environ.get("CONFORMANCE_SECONDS", "600"),
        },
    )


@nox.session
def client(session: nox.Session) -> None:
    """Generate the typed Python client from docs/openapi.json into build/orders_client
    (openapi-python-client, the version the dev extra pins); ``pip install`` is not needed:
    put build/ on PYTHONPATH, or copy the package into your project."""
    session.install("-e", DEV)
    session.run(
        "python",
        "-c",
        "from pathlib import Path; from tests.support.generated_client "
        "import generate; print(generate(Path('build')))",
    )
