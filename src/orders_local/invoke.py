"""``orders invoke FUNCTION --event FILE``: one entrypoint, one event, outside any server.

The event is used as it is, claims included: unlike the local server, nothing is added to it,
so the samples in ``events/`` carry their authorizer claims in ``requestContext``. The
function's own output (logs, metrics) goes to stderr, so stdout is only the response.

Before the function runs, the event's shape is checked against what its source would send
(an API Gateway REST proxy event for one of the function's routes, an SQS batch, an
EventBridge event, a stream batch): Lambda never hands a function another source's event, so
a mismatch is the caller's mistake and is said in one line (:class:`EventShapeError`).

``seed`` makes an event about an order runnable on any store: it places a fresh order first
and aims the event at it (see :func:`seed`). The publisher, given no bus to put events on,
prints them instead (:func:`local_publisher`).
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable, Mapping
from contextlib import redirect_stdout, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TextIO

from orders_lambda.routes import EVENT_ENTRYPOINTS, ROUTES, entrypoints, load_handler
from orders_local.context import LocalLambdaContext

PAYMENTS: Final = "payments"
SHIPMENTS: Final = "shipments"
PUBLISHER: Final = "publisher"
EXPIRY: Final = "expiry"
DOCS: Final = "docs"
# The order a seeded consumer event is about belongs to the samples' customer.
SEED_CUSTOMER: Final = "alice"
SEED_LINE: Final = ("BOOK-42", 2, "12.50")  # the line of events/create_order.json
SEED_CURRENCY: Final = "EUR"


def _name(entrypoint: str) -> str:
    return entrypoint.partition(":")[0].rpartition(".")[2]


def functions() -> dict[str, str]:
    """Each function's name (``create_order``, ..., ``docs``, ``payments``, ``shipments``,
    ``publisher``) and its entrypoint."""
    return {_name(entrypoint): entrypoint for entrypoint in (*entrypoints(), *EVENT_ENTRYPOINTS)}


class EventFileError(ValueError):
    """The event file is missing or not a JSON object."""


class EventShapeError(ValueError):
    """The event is not of the shape the function's source sends (or cannot be seeded)."""


def read_event(path: Path) -> dict[str, Any]:
    try:
        event = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EventFileError(f"cannot read an event from {path}: {exc}") from exc
    if not isinstance(event, dict):
        raise EventFileError(f"{path} holds {type(event).__name__}, not a JSON object")
    return event


def _records(event: Mapping[str, Any], part: str) -> list[Mapping[str, Any]] | None:
    records = event.get("Records")
    if not isinstance(records, list) or not records:
        return None
    if not all(isinstance(r, Mapping) and part in r for r in records):
        return None
    return records


def _routes_of(name: str) -> list[tuple[str, str]]:
    return [(route.method, route.path) for route in ROUTES if route.function == name]


def _is_eventbridge_event(event: Mapping[str, Any]) -> bool:
    return isinstance(event.get("detail"), Mapping) and "detail-type" in event


# What each event source function takes, and how to tell: (what it is, the test).
_SOURCE_SHAPES: Final[Mapping[str, tuple[str, Callable[[Mapping[str, Any]], bool]]]] = {
    PAYMENTS: (
        "an SQS batch (Records with a body each)",
        lambda event: _records(event, "body") is not None,
    ),
    PUBLISHER: (
        "a DynamoDB stream batch (Records with dynamodb each)",
        lambda event: _records(event, "dynamodb") is not None,
    ),
    SHIPMENTS: ("an EventBridge event (detail-type and detail)", _is_eventbridge_event),
    EXPIRY: (
        'the payment deadline workflow\'s task input ({"order_id": ...})',
        lambda event: isinstance(event.get("order_id"), str),
    ),
}


def check_shape(name: str, event: Mapping[str, Any]) -> None:
    """EventShapeError unless ``event`` is what function ``name``'s source would send."""
    sample = f"see events/{name}.json"
    if name in _SOURCE_SHAPES:
        shape, fits = _SOURCE_SHAPES[name]
        if not fits(event):
            raise EventShapeError(f"{name} takes {shape}; this event is not one: {sample}")
        return
    routes = _routes_of(name)
    method, resource = event.get("httpMethod"), event.get("resource")
    if not isinstance(method, str) or not isinstance(event.get("requestContext"), Mapping):
        raise EventShapeError(
            f"{name} takes an API Gateway REST proxy event (httpMethod, resource, path, "
            f"requestContext, ...); this event is not one: {sample}"
        )
    if (method, resource) not in routes:
        served = ", ".join(f"{m} {p}" for m, p in routes)
        raise EventShapeError(
            f"this event is {method} {resource}, which API Gateway would not send to {name} "
            f"(it serves {served}): {sample}"
        )


def check_seedable(name: str) -> None:
    """EventShapeError for a function :func:`seed` has nothing to do for."""
    if name in (DOCS, PUBLISHER):
        raise EventShapeError(f"--seed: {name} reads no order, so there is nothing to seed")


@dataclass(frozen=True, slots=True)
class Seeded:
    """The event to run, aimed at what was seeded; ``note`` says what that was."""

    event: dict[str, Any]
    note: str


def _retarget(event: Mapping[str, Any], old: str, new: str) -> dict[str, Any]:
    """``event`` with every mention of order ``old`` (path, request context, path
    parameters) replaced by ``new``."""
    retargeted: dict[str, Any] = json.loads(json.dumps(event).replace(old, new))
    return retargeted


def _with_header(event: Mapping[str, Any], name: str, value: str) -> dict[str, Any]:
    changed = dict(event)
    for part, wrap in (("headers", lambda v: v), ("multiValueHeaders", lambda v: [v])):
        headers = dict(changed.get(part) or {})
        for key in [k for k in headers if k.lower() == name.lower()]:
            headers[key] = wrap(value)
        if headers:
            changed[part] = headers
    return changed


def _place(owner: Any, then: tuple[str, ...] = ()) -> Any:
    """A fresh order of ``owner`` (the samples' line), taken through ``then``
    (``mark_paid``, ``mark_shipped``) as the payments and shipments services would."""
    from orders_core import NewLine, Principal
    from orders_lambda import bootstrap

    container = bootstrap.container()
    sku, quantity, price = SEED_LINE
    order = container.place_order()(
        owner, currency=SEED_CURRENCY, lines=[NewLine(sku, quantity, price)]
    )
    for step in then:
        order = getattr(container, step)()(Principal.staff("local:seed"), order.id).order
    return order


def _seed_expiry(event: Mapping[str, Any]) -> Seeded:
    from orders_core import Principal

    order = _place(Principal.customer(SEED_CUSTOMER))
    return Seeded(
        {**event, "order_id": order.id},
        f"--seed: placed order {order.id} (PENDING, due {order.payment_due}); the expiry "
        "runs on it, and leaves it alone until that deadline",
    )


def _seed_payments(event: Mapping[str, Any]) -> Seeded:
    from orders_core import Principal

    order = _place(Principal.customer(SEED_CUSTOMER))
    records = []
    for record in event["Records"]:
        try:
            body = json.loads(record["body"])
        except (TypeError, ValueError):
            raise EventShapeError("--seed: a payments record's body is not JSON") from None
        if not isinstance(body, dict):
            raise EventShapeError("--seed: a payments record's body is not a JSON object")
        body |= {
            "order_id": order.id,
            "amount": order.total.minor_units,
            "currency": order.total.currency,
        }
        records.append({**record, "body": json.dumps(body)})
    return Seeded(
        {**event, "Records": records},
        f"--seed: placed order {order.id} (PENDING, total {order.total.minor_units} "
        f"{order.total.currency}); the payment is for it",
    )


def _seed_shipments(event: Mapping[str, Any]) -> Seeded:
    from orders_core import Principal

    delivered = event.get("detail-type") == "SHIPMENT_DELIVERED"
    steps = ("mark_paid", "mark_shipped") if delivered else ("mark_paid",)
    order = _place(Principal.customer(SEED_CUSTOMER), steps)
    detail = {**event["detail"], "order_id": order.id}
    return Seeded(
        {**event, "detail": detail},
        f"--seed: placed order {order.id} ({order.status.value}); the event is about it",
    )


# The event-driven functions a seed places an order for, each aiming its event at it.
_CONSUMER_SEEDS: Final[Mapping[str, Callable[[Mapping[str, Any]], Seeded]]] = {
    PAYMENTS: _seed_payments,
    SHIPMENTS: _seed_shipments,
    EXPIRY: _seed_expiry,
}


def seed(name: str, event: Mapping[str, Any]) -> Seeded:
    """Make ``event`` runnable on whatever the store holds: a fresh Idempotency-Key for
    ``create_order``; for a function that acts on an order, first place a new one (of the
    event's caller; paid before a dispatch, paid and shipped before a delivery) and aim the
    event at it; for ``list_orders``, place one to be listed. EventShapeError where there is
    nothing to seed (``docs``, ``publisher``)."""
    from orders_lambda import bootstrap
    from orders_lambda.http.errors import Unauthenticated
    from orders_lambda.http.request import header, principal

    check_seedable(name)
    if name == "create_order":
        key = str(uuid.uuid4())
        if header(event, "Idempotency-Key") is None:
            return Seeded(dict(event), "--seed: the event has no Idempotency-Key to refresh")
        return Seeded(
            _with_header(event, "Idempotency-Key", key), f"--seed: a fresh Idempotency-Key {key}"
        )
    seed_consumer = _CONSUMER_SEEDS.get(name)
    if seed_consumer is not None:
        return seed_consumer(event)
    settings = bootstrap.container().settings()
    try:
        owner = principal(event, staff_group=settings.staff_group, tier_claim=settings.tier_claim)
    except Unauthenticated:
        raise EventShapeError(
            "--seed: the event has no caller (requestContext.authorizer.claims.sub) to place "
            "an order for"
        ) from None
    order = _place(owner)
    placed = f"--seed: placed order {order.id} for {owner.id} (PENDING, version 1)"
    old = (event.get("pathParameters") or {}).get("order_id")
    if not isinstance(old, str) or not old:
        return Seeded(dict(event), placed)
    return Seeded(_retarget(event, old, order.id), f"{placed}; the event is about it")


def local_publisher(out: TextIO = sys.stderr) -> str | None:
    """With no bus configured (``ORDERS_EVENT_BUS_NAME``), have the publisher print each
    event's EventBridge envelope to ``out`` instead, as ``orders serve --events`` does; a note
    saying so, or None when a bus is configured."""
    if os.environ.get("ORDERS_EVENT_BUS_NAME"):
        return None
    from dependency_injector import providers

    from orders_lambda import bootstrap
    from orders_local.events import PrintingPublisher

    bootstrap.container().event_publisher.override(
        providers.Object(PrintingPublisher(out, as_json=True))
    )
    return (
        "orders: no ORDERS_EVENT_BUS_NAME, so the publisher prints each event as the bus "
        "would receive it instead of putting it on a bus:"
    )


def invoke(name: str, event: dict[str, Any], log: TextIO = sys.stderr) -> Any:
    """Run function ``name`` on ``event`` with a local context; its raw result."""
    entrypoint = functions()[name]
    with redirect_stdout(log):
        handler = load_handler(entrypoint)
        return handler(event, LocalLambdaContext(name))


def readable(result: Any) -> Any:
    """A proxy response as a person reads it: the status, the headers as one mapping (a
    repeated header as a list) and a JSON body as JSON. Anything else is left as it is."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        return result
    headers: dict[str, Any] = dict(result.get("headers") or {})
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[key] = values[0] if isinstance(values, list) and len(values) == 1 else values
    body: Any = result.get("body")
    media = next((str(v) for k, v in headers.items() if k.lower() == "content-type"), "")
    if isinstance(body, str) and "json" in media and not result.get("isBase64Encoded"):
        with suppress(ValueError):  # not JSON after all: shown as the text it is
            body = json.loads(body)
    shown: dict[str, Any] = {
        "statusCode": result["statusCode"],
        "headers": dict(sorted(headers.items())),
    }
    if body not in (None, ""):
        shown["body"] = body
    if result.get("isBase64Encoded"):
        shown["isBase64Encoded"] = True
    return shown


__all__ = [
    "EventFileError",
    "EventShapeError",
    "Seeded",
    "check_seedable",
    "check_shape",
    "functions",
    "invoke",
    "local_publisher",
    "read_event",
    "readable",
    "seed",
]
