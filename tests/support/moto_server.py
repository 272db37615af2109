"""A moto server in a separate process on a free loopback port, for tests over real HTTP.

Two flavours:

- ``threaded=True``: the ``moto_server`` command as shipped (werkzeug, a thread per request).
  moto's DynamoDB backend takes no lock, so two requests can interleave inside one
  conditional write or transaction; see docs/architecture.md for what that breaks.
- ``threaded=False``: moto's own WSGI app under werkzeug with ``threaded=False`` (the command
  has no flag for it), started by running this file as a script. Requests are served one at a
  time, which makes every conditional write atomic, as DynamoDB's are.

Only dummy credentials are ever handed to the child or the clients (``AWS_TEST_ENVIRONMENT``),
so nothing here can reach a real AWS account.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Final

HOST: Final = "127.0.0.1"
STARTUP_TIMEOUT: Final = 30.0

# What a test process and the server process see instead of any real AWS configuration.
AWS_TEST_ENVIRONMENT: Final = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def free_port() -> int:
    """A port that was free a moment ago (the server binds it right after)."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _command(port: int, *, threaded: bool, python: str) -> list[str]:
    if threaded:
        return [python, "-m", "moto.server", "-H", HOST, "-p", str(port)]
    return [python, str(Path(__file__).resolve()), str(port)]


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=1)
    try:
        connection.request("GET", "/moto-api/")
        connection.getresponse().read()
    except OSError:
        return False
    finally:
        connection.close()
    return True


@contextmanager
def moto_server(*, threaded: bool, python: str = sys.executable) -> Iterator[str]:
    """Start a moto server, wait until it answers HTTP, yield its URL, stop it afterwards.

    ``python`` runs it: another environment's interpreter that has moto (the benchmarks'
    functions run where moto is not installed)."""
    with tempfile.TemporaryFile() as log:
        port = free_port()
        process = subprocess.Popen(
            _command(port, threaded=threaded, python=python),
            stdout=log,
            stderr=subprocess.STDOUT,
            # MOTO_PORT: moto's Step Functions interpreter calls the server back on its port.
            env={**os.environ, **AWS_TEST_ENVIRONMENT, "MOTO_PORT": str(port)},
        )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while not _answers(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"moto server did not start on port {port}:\n{output}")
                time.sleep(0.05)
            yield f"http://{HOST}:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _serve_single_threaded(port: int) -> None:
    from moto.moto_server.werkzeug_app import (  # noqa: PLC0415 - only in the server process
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import run_simple  # noqa: PLC0415

    app = DomainDispatcherApplication(create_backend_app)
    run_simple(HOST, port, app, threaded=False, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    _serve_single_threaded(int(sys.argv[1]))
