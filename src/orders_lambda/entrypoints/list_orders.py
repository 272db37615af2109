"""GET /orders?limit=&cursor=&status=&customer_id=: a page of one customer's orders, newest
first.

``limit`` is 1 to 100 (default 20); ``cursor`` is the previous page's ``next_cursor`` (400
when tampered with or from another query; empty means the first page); ``status`` is one of
the statuses as the API writes them; staff name the customer with ``customer_id``. Each rule
is in the OpenAPI document as a schema; a value outside it is a 400 naming the parameter.
"""

from __future__ import annotations

import re

from orders_core import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, OrderStatus
from orders_lambda import bootstrap, routes
from orders_lambda.container import Container
from orders_lambda.http.app import api
from orders_lambda.http.bodies import record_body
from orders_lambda.http.errors import BadRequest
from orders_lambda.http.shapes import Reply, Request

_STATUSES = ", ".join(OrderStatus)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
MAX_CUSTOMER_ID_LENGTH = 128  # as long as a caller's id (the authorizer's sub) can be


def _limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_PAGE_SIZE
    # ASCII digits only (str.isdigit() also takes "²" and "٣"); a long number is measured,
    # never handed to int(), which refuses thousands of digits.
    significant = text.lstrip("0")
    if not _DIGITS.fullmatch(text) or not significant or len(significant) > 3:
        valid = False
    else:
        valid = int(significant) <= MAX_PAGE_SIZE
    if not valid:
        # Refused rather than capped: a client asking for more than a page holds learns the
        # bound on its first call instead of mistaking a full page for the whole list.
        raise BadRequest(
            f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}",
            fields={"limit": f"1 to {MAX_PAGE_SIZE}"},
        )
    return int(significant)


def _status(text: str | None) -> OrderStatus | None:
    if text is None:
        return None
    try:
        # Exactly as the API writes statuses: one spelling per value, as the enum says.
        return OrderStatus(text)
    except ValueError:
        raise BadRequest(
            f"status must be one of {_STATUSES}", fields={"status": f"one of {_STATUSES}"}
        ) from None


def _customer(request: Request[Container], text: str | None) -> str | None:
    if text is not None and not 1 <= len(text) <= MAX_CUSTOMER_ID_LENGTH:
        raise BadRequest(
            f"customer_id must be 1 to {MAX_CUSTOMER_ID_LENGTH} characters",
            fields={"customer_id": f"1 to {MAX_CUSTOMER_ID_LENGTH} characters"},
        )
    if text is None and request.caller.is_staff:
        # Staff act for many customers, and orders are listed per customer (one index
        # Query, never a scan of every customer's orders).
        raise BadRequest(
            "staff must name the customer whose orders to list",
            fields={"customer_id": "required for staff"},
        )
    return text


@api.operation(routes.LIST_ORDERS)
def list_orders(request: Request[Container]) -> Reply:
    caller, params = request.caller, request.query
    # The stored records, rendered as they are: the store validated each order it wrote.
    page = request.services.list_orders().records(
        caller,
        customer_id=_customer(request, params.get("customer_id")),
        limit=_limit(params.get("limit")),
        cursor=params.get("cursor") or None,
        status=_status(params.get("status")),
    )
    return Reply(
        200,
        {"items": [record_body(r) for r in page.records], "next_cursor": page.next_cursor},
    )


handler = api.bind(bootstrap.container)
bootstrap.init()  # in Lambda, a misconfigured function fails its init, naming the variable
