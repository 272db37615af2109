"""The ``orders`` command: ``serve``, ``invoke``, ``events`` and ``dlq``.

``serve``, ``invoke`` and ``events`` run the real Lambda entrypoints on this machine,
configured through the same ``ORDERS_*`` settings variables as in AWS (see
:mod:`orders_local.workspace`); ``dlq`` shows and redrives dead-letter queues.
"""

from __future__ import annotations

import argparse
import errno
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from orders_local import arguments

if TYPE_CHECKING:
    from orders_local.workspace import Workspace


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    from orders_local.workspace import DEFAULT_DB  # imported late: --help stays fast

    parser.add_argument(
        "--db",
        type=Path,
        default=DEFAULT_DB,
        metavar="FILE",
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


class _Parser(argparse.ArgumentParser):
    """argparse, with a mistake said in one line (what is wrong, where to read more) rather
    than the usage block first; subcommands' parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _duration(text: str) -> int:
    """``90s``, ``2m``, ``1h`` (or plain seconds) as whole seconds, within core's bounds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (text[:-1], text[-1]) if text and text[-1] in units else (text, "s")
    try:
        value = int(number) * units[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration such as 90s, 2m or 1h"
        ) from None
    if not 1 <= value <= 30 * 86400:
        raise argparse.ArgumentTypeError(f"{text} is not between 1s and 30d")
    return value


def _compression_size(text: str) -> int | None:
    from orders_local.compression import MAXIMUM_SIZE

    if text == "off":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of bytes, nor off") from None
    if not 0 <= value <= MAXIMUM_SIZE:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and {MAXIMUM_SIZE} bytes")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="orders", description="Run the orders service's Lambda entrypoints locally."
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", help="one of these (each has --help)"
    )
    serve = commands.add_parser(
        "serve",
        help="serve the HTTP API on this machine",
        description="Serve the HTTP API: each request becomes an API Gateway proxy event "
        "for the real entrypoint. Identity comes from LOCAL-ONLY X-Dev-* headers.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    serve.add_argument(
        "--port",
        type=arguments.port,
        default=8000,
        help="port to bind; 0 picks a free one (default: 8000)",
    )
    serve.add_argument(
        "--workers",
        type=arguments.positive,
        default=0,
        metavar="N",
        help="execution environments: processes that each handle one request at a time, as "
        "Lambda's do (default: one per CPU)",
    )
    serve.add_argument(
        "--queue",
        type=arguments.positive,
        default=128,
        metavar="N",
        help="requests that may wait for a free environment; past that the answer is 429 "
        "with Retry-After, as API Gateway throttles (default: 128)",
    )
    serve.add_argument(
        "--request-timeout",
        type=arguments.seconds,
        default=10.0,
        metavar="SECONDS",
        help="a request's headers, and then its body, must arrive within this time, or it is "
        "answered 408 and its connection closed (default: 10)",
    )
    from orders_local.compression import DEFAULT_MINIMUM_SIZE, MAXIMUM_SIZE  # stdlib only

    serve.add_argument(
        "--minimum-compression-size",
        type=_compression_size,
        default=DEFAULT_MINIMUM_SIZE,
        metavar="BYTES|off",
        help="gzip or deflate answers of at least this many bytes for a client whose first "
        "choice in Accept-Encoding is one, as the REST API's minimumCompressionSize does "
        f"(0 to {MAXIMUM_SIZE}; default: {DEFAULT_MINIMUM_SIZE}, as in staging and prod)",
    )
    serve.add_argument(
        "--payment-deadline",
        type=_duration,
        default=None,
        metavar="DURATION",
        help="how long a new order has to be paid before it expires, e.g. 2m or 90s "
        "(default: the flags file's payment_deadline_minutes, else 30m); a scheduler in the "
        "server expires unpaid orders at their deadline, also after a restart",
    )
    serve.add_argument(
        "--events",
        action="store_true",
        help="also run the publisher: print each order event as it is written (feed payments "
        "and shipments with `orders events pay|ship`)",
    )
    _add_store_options(serve)
    from orders_local.invoke import functions  # the routes' names: plain data

    names = sorted(functions())
    invoke = commands.add_parser(
        "invoke",
        help="run one function on an event file and print its response",
        description="Run one entrypoint on an event (events/ holds one for each function; an HTTP "
        "function that reads no body can run the event its route makes, with no --event) and "
        "print its response as JSON: an HTTP function's status, headers and body, the body "
        "as JSON. The exit status is 0 for a 2xx or 3xx answer (or an event source's "
        "success), 1 when the function failed or refused the event. A sample names an order "
        "your store may not have: --seed places one first.",
    )
    invoke.add_argument(
        "function",
        metavar="FUNCTION",
        choices=names,
        help=f"the function to run: {', '.join(names)}",
    )
    invoke.add_argument(
        "--event",
        type=Path,
        metavar="FILE",
        help="the Lambda event, as JSON (e.g. events/get_order.json); without it, an HTTP "
        "function that reads no body runs the event its route makes, as events/ would hold it",
    )
    invoke.add_argument(
        "--seed",
        action="store_true",
        help="run the event on fresh data: a new Idempotency-Key for create_order; for a "
        "function that acts on an order, first place one (paid first for a dispatch, shipped "
        "for a delivery) and run the event on it; for list_orders, place one to list",
    )
    invoke.add_argument(
        "--raw", action="store_true", help="print the response exactly as the function returned it"
    )
    _add_store_options(invoke)
    from orders_local.dlq import register as register_dlq
    from orders_local.events import register as register_events

    register_events(commands)
    register_dlq(commands)
    return parser


def _workspace(arguments: argparse.Namespace) -> Workspace:
    from orders_local.workspace import Workspace, checked

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
    return checked(
        Workspace(
            db=arguments.db,
            dynamodb_endpoint=arguments.dynamodb_endpoint,
            flags=arguments.flags,
            payment_deadline_seconds=getattr(arguments, "payment_deadline", None),
        )
    )


def _serve(arguments: argparse.Namespace) -> int:
    from orders_local.server import ServeOptions, serve

    workspace = _workspace(arguments)
    options = ServeOptions(
        arguments.host,
        arguments.port,
        workspace,
        workers=arguments.workers,
        queue=arguments.queue,
        request_timeout=arguments.request_timeout,
        minimum_compression_size=arguments.minimum_compression_size,
    )
    try:
        from orders_local.scheduler import start_scheduler

        workspace.activate()  # the helpers read the store before the server starts serving
        scheduler = start_scheduler(workspace)
        try:
            if not arguments.events:
                return serve(options)
            from orders_local.follower import start_publisher

            publisher = start_publisher(workspace)  # serve once every later write is seen
            try:
                return serve(options)
            finally:
                publisher.stop()
        finally:
            scheduler.stop()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise SystemExit(
            f"orders: port {arguments.port} on {arguments.host} is already in use; stop what "
            "holds it, or choose another with --port (0 picks a free one)"
        ) from None


def _invoke(arguments: argparse.Namespace) -> int:
    from orders_lambda.settings import SettingsError
    from orders_local.invoke import (
        EventFileError,
        EventShapeError,
        check_seedable,
        check_shape,
        invoke,
        local_publisher,
        read_event,
        readable,
        seed,
    )

    name = arguments.function
    try:
        event = read_event(arguments.event) if arguments.event else _made_event(name)
        check_shape(name, event)
        if arguments.seed:
            check_seedable(name)
    except (EventFileError, EventShapeError) as exc:
        raise SystemExit(f"orders: {exc}") from None
    _workspace(arguments).activate()
    if arguments.seed:
        try:
            seeded = seed(name, event)
        except EventShapeError as exc:
            raise SystemExit(f"orders: {exc}") from None
        event = seeded.event
        sys.stderr.write(f"orders: {seeded.note}\n")
    if name == "publisher" and (note := local_publisher()):
        sys.stderr.write(f"{note}\n")
    try:
        result = invoke(name, event)
    except SettingsError:
        raise  # the shell's configuration, not the function: one line from main()
    except Exception as exc:  # noqa: BLE001 - reported as Lambda reports a function error
        # e.g. shipments raises to have the event retried; Lambda answers with this shape.
        error = {"errorType": type(exc).__name__, "errorMessage": str(exc)}
        sys.stdout.write(json.dumps(error, indent=2, sort_keys=True) + "\n")
        sys.stderr.write(f"orders: {name} failed: {type(exc).__name__}: {exc}\n")
        return 1
    shown = result if arguments.raw else readable(result)
    sys.stdout.write(json.dumps(shown, indent=2) + "\n")
    verdict = _verdict(name, result)
    if verdict:
        sys.stderr.write(f"orders: {verdict}\n")
    return 1 if verdict and not verdict.startswith("note:") else 0


def _made_event(name: str) -> dict[str, Any]:
    from orders_local.invoke import EventFileError
    from orders_local.samples import made_event

    event = made_event(name)
    if event is None:
        raise EventFileError(
            f"{name} needs an event to run on (its route's body, or its source's event): "
            f"--event FILE, e.g. events/{name}.json"
        )
    return event


def _verdict(name: str, result: Any) -> str | None:
    """One line for stderr on an answer that is not plainly a success (None when it is);
    a line starting "note:" is no failure."""
    from orders_local.invoke import readable

    if not isinstance(result, dict):
        return None
    failures = result.get("batchItemFailures")
    if failures:
        return (
            f"{name} refused {len(failures)} record(s) (their reasons are in the log lines "
            "above); in AWS they would be retried"
        )
    status = result.get("statusCode")
    if not isinstance(status, int):
        return None
    headers = {k.lower(): v for k, v in readable(result)["headers"].items()}
    if status < 400:  # HTTP's error classes start at 400
        if str(headers.get("idempotent-replayed", "")).lower() == "true":
            return (
                "note: a replay of the order first placed with this Idempotency-Key; nothing "
                "new was placed (--seed sends a fresh key)"
            )
        return None
    try:
        error = json.loads(result.get("body") or "{}").get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    said = f"{name} answered {status} {error.get('code', '')}: {error.get('message', '')}"
    if error.get("code") == "ORDER_NOT_FOUND":
        said += " (the store has no such order: --seed places one first)"
    return said


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
