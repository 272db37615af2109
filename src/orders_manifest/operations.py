"""Every operation of the HTTP API and every Lambda function, with what each may touch.

An :class:`Operation` is the one place an HTTP operation is stated: its route (method, path in
API Gateway's ``{param}`` syntax, the entrypoint that serves it as "module:function", whether a
Cognito user is needed), its success status, its request body model and its response model
(by name; the request bodies' schemas are :mod:`orders_manifest.schemas`), the error codes of
its own, its :class:`IfMatch` rule and the abstract :class:`Grant`\\ s its code needs. A
:class:`Function` is one Lambda function: an HTTP entrypoint (its operations' grants
together) or an event-driven one.

From them come the runtime's route table (``orders_lambda.routes``), the OpenAPI document
(``orders_lambda.http.openapi``), the REST API with its request models and one function per
entrypoint with its role's statements (``deploy_pulumi``), and the tests' tables of routes,
statuses and grants.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

from orders_manifest.errors import STATUS, ErrorCode

Kind = Literal["api", "consumer", "publisher"]


class Grant(StrEnum):
    """What a function's code does beyond logging and tracing; the deployment turns each into
    IAM statements on the stack's resources (deploy_pulumi/orders_stack/functions.py)."""

    READ_ORDERS = "read-orders"  # GetItem on the orders table
    WRITE_ORDERS = "write-orders"  # PutItem (conditional puts and transactions)
    DELETE_ORDERS = "delete-orders"  # DeleteItem
    QUERY_ORDERS = "query-orders"  # Query on the customer indexes
    IDEMPOTENCY_RECORDS = "idempotency-records"  # the idempotency table
    FEATURE_FLAGS = "feature-flags"  # the AppConfig flags document
    CURSOR_SECRET = "cursor-secret"  # noqa: S105 - a grant's name: reads the cursor key's secret
    CONSUME_PAYMENTS = "consume-payments"  # receive and delete on the payments queue
    READ_OUTBOX_STREAM = "read-outbox-stream"  # the orders table's stream
    PUBLISH_EVENTS = "publish-events"  # PutEvents on the orders bus
    DEAD_LETTERS = "dead-letters"  # send its own failures to its dead-letter queue


class IfMatch(StrEnum):
    """What an operation does with an ``If-Match`` header (one ETag, e.g. ``"3"``)."""

    IGNORED = "ignored"
    OPTIONAL = "optional"  # with it, the change applies only to that version: 412 when stale
    REQUIRED = "required"  # 428 without it, 412 when stale


# The codes that follow from an operation's shape: a JSON body, an order named in the path,
# an If-Match header it reads.
BODY_CODES: Final = (
    ErrorCode.MALFORMED_JSON,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    ErrorCode.VALIDATION_FAILED,
)
BY_ID_CODES: Final = (ErrorCode.ORDER_NOT_FOUND, ErrorCode.ROUTE_NOT_FOUND)
PRECONDITION_CODES: Final = (ErrorCode.BAD_REQUEST, ErrorCode.VERSION_CONFLICT)
ORDER_ID: Final = "{order_id}"


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the HTTP API; see the module docstring."""

    name: str
    method: str
    path: str
    entrypoint: str
    summary: str
    authorized: bool = True
    success: int = 200
    body: str | None = None  # the request body model's name, when the operation takes one
    response: str | None = None  # the success body's model name; None: no body, or not JSON
    errors: tuple[ErrorCode, ...] = ()  # codes of its own, beyond those its shape implies
    if_match: IfMatch = IfMatch.IGNORED
    grants: frozenset[Grant] = frozenset()

    @property
    def function(self) -> str:
        """The short name of the function that serves it: its entrypoint module's last part."""
        return self.entrypoint.partition(":")[0].rpartition(".")[2]

    def error_codes(self) -> tuple[ErrorCode, ...]:
        """Every code this operation answers besides those every operation can get: those its
        body, an order id in its path and its If-Match rule imply, then its own."""
        codes: list[ErrorCode] = []
        if self.body is not None:
            codes += BODY_CODES
        if ORDER_ID in self.path:
            codes += BY_ID_CODES
        if self.if_match is not IfMatch.IGNORED:
            codes += PRECONDITION_CODES
        codes += self.errors
        if self.if_match is IfMatch.REQUIRED:
            codes.append(ErrorCode.PRECONDITION_REQUIRED)
        return tuple(dict.fromkeys(codes))

    def error_statuses(self) -> tuple[int, ...]:
        """The statuses of :meth:`error_codes`, in order."""
        return tuple(sorted({STATUS[code] for code in self.error_codes()}))


@dataclass(frozen=True, slots=True)
class Function:
    """One Lambda function: its short name, entrypoint ("module:function"), sizing class,
    grants, and the dead-letter queue its failures end in (``None``: the caller sees them)."""

    name: str
    entrypoint: str
    kind: Kind
    grants: tuple[Grant, ...]
    dead_letter_queue: str | None = None


def _entrypoint(module: str) -> str:
    return f"orders_lambda.entrypoints.{module}:handler"


_ORDERS_READ_WRITE: Final = frozenset({Grant.READ_ORDERS, Grant.WRITE_ORDERS})

OPERATIONS: Final[tuple[Operation, ...]] = (
    Operation(
        "create_order",
        "POST",
        "/orders",
        _entrypoint("create_order"),
        "Place an order",
        success=201,
        body="CreateOrderRequest",
        response="OrderOut",
        errors=(
            ErrorCode.BAD_REQUEST,
            ErrorCode.PERMISSION_DENIED,
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            ErrorCode.IDEMPOTENCY_IN_PROGRESS,
            ErrorCode.IDEMPOTENCY_REPLAY_UNAVAILABLE,
        ),
        grants=frozenset({Grant.WRITE_ORDERS, Grant.IDEMPOTENCY_RECORDS, Grant.FEATURE_FLAGS}),
    ),
    Operation(
        "list_orders",
        "GET",
        "/orders",
        _entrypoint("list_orders"),
        "List the caller's orders",
        response="OrderPage",
        errors=(ErrorCode.BAD_REQUEST, ErrorCode.INVALID_CURSOR),
        grants=frozenset({Grant.QUERY_ORDERS, Grant.CURSOR_SECRET}),
    ),
    Operation(
        "get_order",
        "GET",
        "/orders/{order_id}",
        _entrypoint("get_order"),
        "Read one order",
        response="OrderOut",
        grants=frozenset({Grant.READ_ORDERS}),
    ),
    Operation(
        "update_order",
        "PATCH",
        "/orders/{order_id}",
        _entrypoint("update_order"),
        "Replace the lines of a pending order",
        body="UpdateOrderRequest",
        response="OrderOut",
        errors=(ErrorCode.ILLEGAL_TRANSITION,),
        if_match=IfMatch.REQUIRED,
        # Lines change at their placed prices and discounts: no flags needed.
        grants=_ORDERS_READ_WRITE,
    ),
    Operation(
        "cancel_order",
        "POST",
        "/orders/{order_id}/cancel",
        _entrypoint("cancel_order"),
        "Cancel an order",
        response="OrderOut",
        errors=(ErrorCode.ILLEGAL_TRANSITION,),
        if_match=IfMatch.OPTIONAL,
        grants=_ORDERS_READ_WRITE,
    ),
    Operation(
        "delete_order",
        "DELETE",
        "/orders/{order_id}",
        _entrypoint("delete_order"),
        "Delete an order",
        success=204,
        errors=(ErrorCode.ILLEGAL_TRANSITION,),
        if_match=IfMatch.OPTIONAL,
        grants=_ORDERS_READ_WRITE | {Grant.DELETE_ORDERS},
    ),
    Operation(
        "openapi_document",
        "GET",
        "/openapi.json",
        _entrypoint("docs"),
        "This API's OpenAPI document",
        authorized=False,
    ),
    Operation("swagger_ui", "GET", "/swagger", _entrypoint("docs"), "Swagger UI", authorized=False),
    Operation(
        "swagger_asset",
        "GET",
        "/swagger/{asset}",
        _entrypoint("docs"),
        "Swagger UI's script and style sheet",
        authorized=False,
    ),
)

# The event-driven functions: payments from SQS, shipments from EventBridge (the consumers),
# the outbox publisher on the table's stream, and the payment deadline workflow's task.
EVENT_FUNCTIONS: Final[tuple[Function, ...]] = (
    Function(
        "payments",
        "orders_lambda.entrypoints.payments:handler",
        "consumer",
        (Grant.READ_ORDERS, Grant.WRITE_ORDERS, Grant.CONSUME_PAYMENTS),
    ),
    Function(
        "shipments",
        "orders_lambda.entrypoints.shipments:handler",
        "consumer",
        (Grant.READ_ORDERS, Grant.WRITE_ORDERS, Grant.DEAD_LETTERS),
        dead_letter_queue="shipments",
    ),
    Function(
        "publisher",
        "orders_lambda.entrypoints.publisher:handler",
        "publisher",
        (Grant.READ_OUTBOX_STREAM, Grant.PUBLISH_EVENTS, Grant.DEAD_LETTERS),
        dead_letter_queue="outbox-stream",
    ),
    # The payment deadline workflow's task: invoked synchronously by the workflow, whose own
    # role sends failures to the payment-deadline DLQ (deploy_pulumi/orders_stack/workflow.py).
    Function(
        "expiry",
        "orders_lambda.entrypoints.expiry:handler",
        "consumer",
        (Grant.READ_ORDERS, Grant.WRITE_ORDERS),
    ),
)


def _in_grant_order(grants: Iterable[Grant]) -> tuple[Grant, ...]:
    wanted = set(grants)
    return tuple(grant for grant in Grant if grant in wanted)


def api_functions() -> tuple[Function, ...]:
    """One function per HTTP entrypoint, with every grant its operations need."""
    grouped: dict[str, list[Operation]] = {}
    for operation in OPERATIONS:
        grouped.setdefault(operation.entrypoint, []).append(operation)
    return tuple(
        Function(
            served[0].function,
            entrypoint,
            "api",
            _in_grant_order(grant for operation in served for grant in operation.grants),
        )
        for entrypoint, served in grouped.items()
    )


def functions() -> tuple[Function, ...]:
    """Every Lambda function of the service: the HTTP entrypoints, then the event-driven."""
    return api_functions() + EVENT_FUNCTIONS


def operation(name: str) -> Operation:
    """The operation called ``name``; a KeyError naming it when there is none."""
    for found in OPERATIONS:
        if found.name == name:
            return found
    raise KeyError(f"no operation {name!r}")


__all__ = [
    "BODY_CODES",
    "BY_ID_CODES",
    "EVENT_FUNCTIONS",
    "OPERATIONS",
    "ORDER_ID",
    "PRECONDITION_CODES",
    "Function",
    "Grant",
    "IfMatch",
    "Kind",
    "Operation",
    "api_functions",
    "functions",
    "operation",
]
