"""The ``orders`` command: ``serve``, ``invoke``, ``events`` and ``dlq``.

``serve``, ``invoke`` and ``events`` run the real Lambda entrypoints on this machine,
configured through the same ``ORDERS_*`` settings variables as in AWS (see
:mod:`orders_lambda.local.workspace`); ``dlq`` shows and redrives dead-letter queues.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orders_lambda.local.workspace import Workspace


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    from orders_lambda.local.workspace import DEFAULT_DB  # imported late: --help stays fast

    parser.add_argument(
        "--db",
        type=Path,
        default=DEFAULT_DB,
        help=f"SQLite file holding the orders (default: {DEFAULT_DB}); the cursor key is "
        "kept next to it",
    )
    parser.add_argument(
        "--dynamodb-endpoint",
        metavar="URL",
        help="use DynamoDB at URL (moto, DynamoDB Local) instead of SQLite; tables are "
        "created when missing",
    )
    parser.add_argument(
        "--flags",
        type=Path,
        metavar="FILE",
        help="feature flags from this JSON file (the AppConfig schema); default: no discounts",
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="orders", description="Run the orders service's Lambda entrypoints locally."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve the HTTP API on this machine",
        description="Serve the HTTP API: each request becomes an API Gateway proxy event "
        "for the real entrypoint. Identity comes from LOCAL-ONLY X-Dev-* headers.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    serve.add_argument(
        "--port", type=int, default=8000, help="port to bind; 0 picks a free one (default: 8000)"
    )
    serve.add_argument(
        "--workers",
        type=_positive,
        default=0,
        metavar="N",
        help="execution environments: processes that each handle one request at a time, as "
        "Lambda's do (default: one per CPU)",
    )
    serve.add_argument(
        "--queue",
        type=_positive,
        default=128,
        metavar="N",
        help="requests that may wait for a free environment; past that the answer is 429 "
        "with Retry-After, as API Gateway throttles (default: 128)",
    )
    serve.add_argument(
        "--request-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="a request's headers, and then its body, must arrive within this time, or it is "
        "answered 408 and its connection closed (default: 10)",
    )
    serve.add_argument(
        "--events",
        action="store_true",
        help="also run the publisher: print each order event as it is written (feed payments "
        "and shipments with `orders events pay|ship`)",
    )
    _add_store_options(serve)
    invoke = commands.add_parser(
        "invoke",
        help="run one function on an event file and print its response",
        description="Run one entrypoint on an event (see events/) and print the response JSON.",
    )
    invoke.add_argument(
        "function", help="create_order, get_order, ..., docs, payments, shipments, publisher"
    )
    invoke.add_argument("--event", type=Path, required=True, metavar="FILE")
    _add_store_options(invoke)
    from orders_lambda.local_events import register as register_events
    from orders_lambda.ops.dlq import register as register_dlq

    register_events(commands)
    register_dlq(commands)
    return parser


def _workspace(arguments: argparse.Namespace) -> Workspace:
    from orders_lambda.local.workspace import Workspace

    if arguments.flags is not None:
        from orders_adapters.appconfig import InvalidFlagsDocument, read_flags_file

        if not arguments.flags.is_file():
            raise SystemExit(f"orders: no flags file at {arguments.flags}")
        try:  # refused now rather than found out, as "no discounts", on the first order
            read_flags_file(arguments.flags)
        except InvalidFlagsDocument as exc:
            raise SystemExit(
                f"orders: the flags file {arguments.flags} is invalid: {exc}"
            ) from None
    return Workspace(
        db=arguments.db, dynamodb_endpoint=arguments.dynamodb_endpoint, flags=arguments.flags
    )


def _serve(arguments: argparse.Namespace) -> int:
    from orders_lambda.local.server import ServeOptions, serve

    workspace = _workspace(arguments)
    options = ServeOptions(
        arguments.host,
        arguments.port,
        workspace,
        workers=arguments.workers,
        queue=arguments.queue,
        request_timeout=arguments.request_timeout,
    )
    if not arguments.events:
        return serve(options)
    from orders_lambda.local.follower import start_publisher

    workspace.activate()  # the publisher reads the store before the server starts serving
    publisher = start_publisher(workspace)  # serve once every later write is sure to be seen
    try:
        return serve(options)
    finally:
        publisher.stop()


def _invoke(arguments: argparse.Namespace) -> int:
    from orders_lambda.local.invoke import (
        EventFileError,
        functions,
        invoke,
        read_event,
    )
    from orders_lambda.settings import SettingsError

    if arguments.function not in functions():
        known = ", ".join(sorted(functions()))
        raise SystemExit(f"orders: unknown function {arguments.function!r}; one of: {known}")
    try:
        event = read_event(arguments.event)
    except EventFileError as exc:
        raise SystemExit(f"orders: {exc}") from None
    _workspace(arguments).activate()
    try:
        result = invoke(arguments.function, event)
    except SettingsError:
        raise  # the shell's configuration, not the function: one line from main()
    except Exception as exc:  # noqa: BLE001 - reported as Lambda reports a function error
        # e.g. shipments raises to have the event retried; Lambda answers with this shape.
        error = {"errorType": type(exc).__name__, "errorMessage": str(exc)}
        sys.stdout.write(json.dumps(error, indent=2, sort_keys=True) + "\n")
        return 1
    sys.stdout.write(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return 0


def _run(arguments: argparse.Namespace) -> int:
    from orders_lambda.settings import SettingsError

    try:
        if hasattr(arguments, "run"):  # events, dlq: their modules carry them out
            return int(arguments.run(arguments))
        if arguments.command == "serve":
            return _serve(arguments)
        return _invoke(arguments)
    except SettingsError as exc:  # an ORDERS_* variable of the shell is wrong: say which
        raise SystemExit(f"orders: {exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        return _run(arguments)
    except ModuleNotFoundError as exc:  # installed without the extras the command runs on
        raise SystemExit(
            f"orders: {arguments.command} needs the service's runtime libraries (missing: "
            f"{exc.name}); install the distribution with its 'local' extra, e.g. "
            "pip install '.[local]' from a checkout"
        ) from None
    except OSError as exc:  # e.g. the port is taken, or --db is not writable
        raise SystemExit(f"orders: {exc}") from None


if __name__ == "__main__":
    sys.exit(main())
