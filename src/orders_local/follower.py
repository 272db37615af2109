"""``orders serve --events``: the event publisher in an execution environment of its own.

As in AWS, where the publisher is a function fed by the table's stream, it runs apart from
the API: its own process, one batch at a time, sharing nothing with the API's environments
but the store. The server starts it before serving and waits until its starting point is
fixed, so every write after that is published.

The two processes hold the ends of one socket (:mod:`orders_local.helpers`): the publisher
never outlives the server.
"""

from __future__ import annotations

import sys

from orders_local.helpers import HelperProcess, HelperSide, start_helper
from orders_local.workspace import Workspace

PublisherProcess = HelperProcess


def start_publisher(workspace: Workspace) -> HelperProcess:
    """Start the publisher and wait until it is ready (or has said why it stopped)."""
    return start_helper("orders_local.follower", "event publisher", workspace)


def main(argv: list[str]) -> int:
    from orders_local.events import PrintingPublisher, follow

    side = HelperSide.of(argv, "orders-publisher-watch")
    try:
        follow(side.workspace, PrintingPublisher(), side.stop, ready=side.ready)
    except Exception as exc:  # noqa: BLE001 - said once; the API keeps serving
        sys.stderr.write(f"orders serve: the event publisher stopped: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
