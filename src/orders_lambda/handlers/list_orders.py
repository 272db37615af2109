"""GET /orders?limit=&cursor=&status=: a page of the caller's orders, newest first.

``limit`` defaults to 20 and is capped at 100; ``cursor`` is the previous page's
``next_cursor`` (400 when tampered with or from another query); staff name the customer with
``customer_id``.
"""

from __future__ import annotations

import re

from orders_core import MAX_PAGE_SIZE, OrderStatus
from orders_core.use_cases import DEFAULT_PAGE_SIZE
from orders_lambda import routes
from orders_lambda.http.app import Reply, Request, api
from orders_lambda.http.bodies import order_body
from orders_lambda.http.errors import BadRequest

_STATUSES = ", ".join(OrderStatus)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_MAX_DIGITS = 9


def _limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_PAGE_SIZE
    # ASCII digits only (str.isdigit() also takes "²" and "٣"). Any larger number is capped
    # by the use case; a long one is not handed to int(), which refuses thousands of digits.
    significant = text.lstrip("0")
    if not _DIGITS.fullmatch(text) or not significant:
        raise BadRequest("limit must be a positive whole number", fields={"limit": "1 or more"})
    return int(significant) if len(significant) <= _MAX_DIGITS else MAX_PAGE_SIZE


def _status(text: str | None) -> OrderStatus | None:
    if text is None:
        return None
    try:
        return OrderStatus(text.upper())
    except ValueError:
        raise BadRequest(
            f"status must be one of {_STATUSES}", fields={"status": f"one of {_STATUSES}"}
        ) from None


@api.operation(routes.LIST_ORDERS)
def list_orders(request: Request) -> Reply:
    caller, params = request.caller, request.query
    page = request.container.list_orders()(
        caller,
        customer_id=params.get("customer_id"),
        limit=_limit(params.get("limit")),
        cursor=params.get("cursor") or None,
        status=_status(params.get("status")),
    )
    return Reply(
        200,
        {"items": [order_body(o) for o in page.items], "next_cursor": page.next_cursor},
    )


handler = api.handler
