"""``orders serve``: the payment deadline, locally, in an execution environment of its own.

Deployed, a Step Functions workflow per order waits until its deadline and invokes the
expiry function. Locally one process plays those timers for every order: each tick it asks
the store's expiry index which PENDING orders are due by now (``ExpiryIndex.due_for_expiry``:
SQLite's index by status and deadline, or DynamoDB's GSI3; never a scan) and runs the same
expiry entrypoint on each, as the workflow's task would. The index lives in the store, so an
order left unpaid while the server was down expires on the first tick after it starts again.

Like the event publisher it is a helper process of the server (:mod:`orders_local.helpers`):
it shares nothing with the API's environments but the store, and never outlives the server.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from orders_core import ExpiryIndex
from orders_local.helpers import HelperProcess, HelperSide, start_helper
from orders_local.workspace import Workspace

TICK_SECONDS: Final = 1.0

Expire = Callable[[dict[str, Any], Any], dict[str, Any]]


def start_scheduler(workspace: Workspace, *, tick: float = TICK_SECONDS) -> HelperProcess:
    """Start the scheduler and wait until it is ready (or has said why it stopped)."""
    return start_helper("orders_local.scheduler", "deadline scheduler", workspace, tick=tick)


def expire_due(
    index: ExpiryIndex, expire: Expire, now: datetime, *, batch: int
) -> list[dict[str, Any]]:
    """One tick: every order due by ``now``, through ``expire``; the answers, in order.

    Batches until the index has none left due (each expiry takes its order out of it), so a
    backlog after a restart clears in one tick however large it is.
    """
    answers: list[dict[str, Any]] = []
    while True:
        due = index.due_for_expiry(now, limit=batch)
        answered = [expire({"order_id": order_id}, None) for order_id in due]
        answers += answered
        # Stop when the index had no more, or when nothing changed (all left alone: a clock
        # the function reads behind ours) rather than asking again for the same orders.
        if len(due) < batch or not any(a.get("changed") for a in answered):
            return answers


def main(argv: list[str]) -> int:
    from orders_core import MAX_DUE_BATCH, OrdersError
    from orders_lambda import bootstrap
    from orders_lambda.entrypoints.expiry import handler

    side = HelperSide.of(argv, "orders-scheduler-watch")
    try:
        side.workspace.activate()
        built = bootstrap.container()
        index, clock = built.repo(), built.clock()
    except Exception as exc:  # noqa: BLE001 - said once; the API keeps serving
        sys.stderr.write(f"orders serve: the deadline scheduler did not start: {exc}\n")
        return 1
    if not isinstance(index, ExpiryIndex):
        sys.stderr.write(f"orders serve: {type(index).__name__} has no expiry index\n")
        return 1
    side.ready.set()
    tick = float(side.arguments["tick"])
    while not side.stop.is_set():
        try:
            for answer in expire_due(index, handler, clock.now(), batch=MAX_DUE_BATCH):
                if answer.get("changed"):
                    sys.stderr.write(
                        f"orders serve: order {answer['order_id']} expired unpaid at its "
                        "payment deadline\n"
                    )
        except OrdersError as exc:  # a busy or failing store: said, and tried next tick
            sys.stderr.write(f"orders serve: the deadline scheduler: {type(exc).__name__}: {exc}\n")
        side.stop.wait(tick)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
