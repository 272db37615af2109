"""The floor for ``serve_bench``: a hello-world Lambda handler behind ``orders serve``'s own
front end and execution environments.

``python benchmarks/hello_handler.py --port 0 --db FILE`` starts the real server with every
route's function replaced by :func:`handler` in every environment (the runtime's
``--handler`` argument), so the difference to the real run is the service's own work.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

HELLO = {
    "statusCode": 200,
    "headers": {"Content-Type": "application/json"},
    "body": '{"hello":"world"}',
    "isBase64Encoded": False,
}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    del event, context
    return HELLO


def main() -> int:
    # Imported here: an environment loads this module for ``handler`` only.
    from orders_local.server import ServeOptions, serve  # noqa: PLC0415
    from orders_local.workspace import Workspace  # noqa: PLC0415

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--db", type=Path, required=True)
    arguments = parser.parse_args()
    options = ServeOptions(
        "127.0.0.1",
        arguments.port,
        Workspace(db=arguments.db),
        runtime_args=("--handler", "hello_handler:handler"),
    )
    return serve(options)


if __name__ == "__main__":
    sys.exit(main())
