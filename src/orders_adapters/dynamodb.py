"""The OrderRepository on DynamoDB: one table, three indexes, one round trip per operation.

Layout (``table_definition.ORDERS_TABLE``, shared with the tests, the local server and the
Pulumi program):

- order item: ``PK=ORDER#<id>``, ``SK=ORDER``, ``version`` (a number: what the writes'
  conditions compare), ``record`` (the order's record, ``Order.to_record()``, as compact JSON
  text), ``GSI1PK=CUSTOMER#<customer>`` / ``GSI1SK=<created_at>#<id>`` and
  ``GSI2PK=STATUS#<status>#CUSTOMER#<customer>`` / ``GSI2SK=<created_at>#<id>``, and while
  PENDING with a deadline ``GSI3PK=DUE#PENDING`` / ``GSI3SK=<payment_due>#<id>`` (the
  expiry index, sparse: a save that moves the order out of PENDING drops the two);
- outbox item: ``PK=ORDER#<id>``, ``SK=EVENT#<version, 10 digits>``, ``record`` (the event's
  record as JSON text) and ``expires_at`` (epoch seconds, TTL). The table's stream feeds these
  to the publisher. A write's events are at the version it writes (``check_write``) and that
  version is new (the order's condition), so an outbox put never lands on a stored event.
- tombstone: a delete replaces the order item with ``PK=ORDER#<id>``, ``SK=ORDER``,
  ``deleted=true`` and nothing else (no index keys, no version). ``add``'s
  ``attribute_not_exists`` condition then fails for good, so a deleted id never carries a new
  order, and ``save``'s and ``delete``'s version conditions cannot match it.

**The item shape is the read path's** (docs/architecture.md, "Item shape"): botocore parses a
response attribute by attribute, about 33,000 instructions for each typed value, so the record
is one string attribute rather than a map of typed values (an order with one line was 22
top-level attributes and 5 nested ones), and a listing projects only what a record is made of,
not the index keys. Index keys and the attributes conditions compare (``version``,
``deleted``) stay real attributes.

**Both shapes are read.** Items written before the encoded record (46d025a and earlier) hold
each field of the record as an attribute of its own, lines, discounts and an event's order
snapshot as nested maps and lists; :func:`_record` reads either (an item without ``record``
is of the nested shape), and the listing's projection names both shapes' attributes, so a
page of old items costs the same single Query. Writes write the new shape only: a save
rewrites an old order item whole (its ``version`` attribute is where it always was, so the
condition holds for both), and old outbox items expire with their TTL. No backfill is needed
for correctness; one only ends the old shape's read path (see the architecture decision).

Costs: ``get`` is one consistent GetItem; ``add``, ``save`` and ``delete`` are one
TransactWriteItems each (the order write, conditional on its version, plus the outbox puts);
``list_for_customer`` is one Query on GSI1, or on GSI2 when a status is given; ``events_for``
is one Query (more only past 1 MB of events); ``due_for_expiry`` is one Query on GSI3,
never a Scan. Listing is eventually consistent, as every GSI
read is; everything else is strongly consistent.

Every botocore failure is translated here: a failed condition into ``OrderAlreadyExists``,
``OrderNotFound`` or ``VersionConflict`` (the failed item comes back with the cancellation, so
no extra read is needed to tell them apart), everything else into ``StoreUnavailable`` (a
retry may help, after botocore's own bounded retries) or ``StoreError`` (it will not), as is an
item that cannot be read. No botocore type leaves this module.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final, cast

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from orders_adapters.aws_clients import session_and_config
from orders_adapters.shared import (
    OrdersFromRecords,
    check_due_limit,
    check_events,
    check_limit,
    check_write,
    cursor_after,
    due_key,
    position_after,
    position_key,
    sort_key,
    unreadable,
)
from orders_adapters.system import SystemClock
from orders_adapters.table_definition import (
    CUSTOMER_INDEX,
    CUSTOMER_KEY_PREFIX,
    CUSTOMER_STATUS_INDEX,
    DUE_INDEX,
    DUE_PARTITION,
    EVENT_KEY_PREFIX,
    ORDER_KEY_PREFIX,
    ORDER_SORT_KEY,
    ORDERS_TABLE,
    STATUS_KEY_PREFIX,
    GlobalIndex,
    TableDefinition,
)
from orders_core import (
    ORDER_ID_PATTERN,
    Clock,
    CursorCodec,
    CustomerId,
    InvalidCursor,
    Order,
    OrderAlreadyExists,
    OrderEvent,
    OrderId,
    OrderNotFound,
    OrdersError,
    OrderStatus,
    RecordPage,
    StoreError,
    StoreUnavailable,
    VersionConflict,
    format_time,
    parse_time,
    utc,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        CreateTableInputTypeDef,
        DeleteTypeDef,
        GlobalSecondaryIndexTypeDef,
        PutTypeDef,
        QueryInputTypeDef,
        TransactWriteItemTypeDef,
    )

    Item = Mapping[str, AttributeValueTypeDef]
    _FailureReporter = Callable[[Item | None], OrdersError]

DEFAULT_OUTBOX_TTL: Final = timedelta(days=7)
VERSION_DIGITS: Final = 10
# Attributes that locate an item rather than describe the order or event it holds.
KEY_ATTRIBUTES: Final = frozenset(ORDERS_TABLE.key_attributes()) | {ORDERS_TABLE.ttl_attribute}
# Marks the item a delete leaves at an order's key (see the module docstring).
TOMBSTONE_ATTRIBUTE: Final = "deleted"
# An order's or event's record as compact JSON text (the shape written since 2026-12).
RECORD_ATTRIBUTE: Final = "record"
# The order's version beside its record: the attribute the writes' conditions compare.
VERSION_ATTRIBUTE: Final = "version"
# The order attributes of the nested shape (the record's fields, each an attribute).
NESTED_ORDER_ATTRIBUTES: Final = (
    "id",
    "customer_id",
    "currency",
    "status",
    "version",
    "created_at",
    "updated_at",
    "lines",
    "discounts",
    "subtotal",
    "discount",
    "total",
    "minor_units",
    "payment_due",
)
# A listing projects the record of either shape; placeholders, as some names are reserved.
_LISTED_NAMES: Final = {
    f"#a{n}": name for n, name in enumerate((RECORD_ATTRIBUTE, *NESTED_ORDER_ATTRIBUTES))
}
_LISTED_PROJECTION: Final = ", ".join(_LISTED_NAMES)
_PK: Final = ORDERS_TABLE.partition_key
_SK: Final = cast("str", ORDERS_TABLE.sort_key)
_SORT_KEY_SHAPE: Final = re.compile(r"(?P<time>[0-9T:.+-]{32})#(?P<id>.+)")

# Error codes that mean "the store is busy or broken right now", after botocore's retries.
_TRANSIENT_CODES: Final = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
        "LimitExceededException",
    }
)


# -- attribute values ----------------------------------------------------------------------


def encode_record(record: Mapping[str, Any]) -> AttributeValueTypeDef:
    """A record (as ``to_record`` produces) as the one string attribute that holds it: compact
    JSON, so botocore parses one string where it would walk a map of typed values."""
    return {"S": json.dumps(record, separators=(",", ":"))}


def from_attribute(value: Mapping[str, Any]) -> Any:
    """One DynamoDB attribute value of the nested shape as the JSON value it holds; numbers
    come back as ``int`` (records hold no fractions: amounts are minor units, percents are
    text). Items written before the encoded record are in this shape."""
    if "S" in value:
        return str(value["S"])
    if "N" in value:
        return int(value["N"])
    if "BOOL" in value:
        return bool(value["BOOL"])
    if "NULL" in value:
        return None
    if "L" in value:
        return [from_attribute(v) for v in value["L"]]
    if "M" in value:
        return {k: from_attribute(v) for k, v in value["M"].items()}
    raise ValueError(f"unexpected DynamoDB attribute value {sorted(value)}")


def _record(item: Item) -> dict[str, Any]:
    """The record an order or outbox item holds, in either shape (see the module docstring)."""
    encoded = item.get(RECORD_ATTRIBUTE)
    if encoded is None:  # the nested shape: every field an attribute of its own
        return {k: from_attribute(v) for k, v in item.items() if k not in KEY_ATTRIBUTES}
    record = json.loads(encoded["S"])
    if not isinstance(record, dict):
        raise TypeError(f"a stored record is a JSON {type(record).__name__}, not an object")
    return record


# -- keys and items ------------------------------------------------------------------------


def order_partition_key(order_id: str) -> str:
    return f"{ORDER_KEY_PREFIX}{order_id}"


def event_sort_key(version: int) -> str:
    return f"{EVENT_KEY_PREFIX}{version:0{VERSION_DIGITS}d}"


def index_partition_key(customer_id: str, status: OrderStatus | None) -> str:
    """GSI1's partition (all the customer's orders) or GSI2's (one status of them)."""
    customer = f"{CUSTOMER_KEY_PREFIX}{customer_id}"
    return customer if status is None else f"{STATUS_KEY_PREFIX}{status.value}#{customer}"


def _index_for(status: OrderStatus | None) -> GlobalIndex:
    return CUSTOMER_INDEX if status is None else CUSTOMER_STATUS_INDEX


def order_key(order_id: str) -> dict[str, AttributeValueTypeDef]:
    return {
        _PK: {"S": order_partition_key(order_id)},
        _SK: {"S": ORDER_SORT_KEY},
    }


def order_item(order: Order) -> dict[str, AttributeValueTypeDef]:
    """The order's item: the table and index keys, its version (the writes' condition) and
    its record as one encoded attribute."""
    position = sort_key(order)
    item = order_key(order.id)
    item[VERSION_ATTRIBUTE] = {"N": str(order.version)}
    item[RECORD_ATTRIBUTE] = encode_record(order.to_record())
    for status in (None, order.status):
        index = _index_for(status)
        item[index.partition_key] = {"S": index_partition_key(order.customer_id, status)}
        item[index.sort_key] = {"S": position}
    due = due_key(order)
    if due is not None:
        item[DUE_INDEX.partition_key] = {"S": DUE_PARTITION}
        item[DUE_INDEX.sort_key] = {"S": due}
    return item


def tombstone_item(order_id: str) -> dict[str, AttributeValueTypeDef]:
    """What a delete leaves at the order's key: a mark that the id was used, nothing more."""
    return {**order_key(order_id), TOMBSTONE_ATTRIBUTE: {"BOOL": True}}


def is_tombstone(item: Item) -> bool:
    return item.get(TOMBSTONE_ATTRIBUTE, {}).get("BOOL") is True


def order_from_item(item: Item) -> Order:
    return Order.from_record(_record(item))


def event_item(event: OrderEvent, *, expires_at: int) -> dict[str, AttributeValueTypeDef]:
    """The outbox item of ``event``: its keys, its record as one encoded attribute, and
    ``expires_at``, its TTL in epoch seconds."""
    return {
        _PK: {"S": order_partition_key(event.order_id)},
        _SK: {"S": event_sort_key(event.order_version)},
        RECORD_ATTRIBUTE: encode_record(event.to_record()),
        ORDERS_TABLE.ttl_attribute: {"N": str(expires_at)},
    }


def event_from_item(item: Item) -> OrderEvent:
    """The event in an outbox item, e.g. a stream record's ``NewImage``."""
    return OrderEvent.from_record(_record(item))


def is_event_item(item: Item) -> bool:
    sort = item.get(_SK, {})
    return str(sort.get("S", "")).startswith(EVENT_KEY_PREFIX)


def _start_key(after: str, customer_id: CustomerId, status: OrderStatus | None) -> Item:
    """The ExclusiveStartKey that resumes a walk after the order at index position ``after``.

    The cursor carries only that position; the rest of the key is rebuilt from the scope the
    cursor was checked against, so even a validly signed cursor cannot point anywhere else.
    """
    shape = _SORT_KEY_SHAPE.fullmatch(after)
    if shape is None or not ORDER_ID_PATTERN.fullmatch(shape["id"]):
        raise InvalidCursor("the cursor is malformed")
    try:
        well_formed = format_time(parse_time(shape["time"])) == shape["time"]
    except ValueError:
        well_formed = False
    if not well_formed:
        raise InvalidCursor("the cursor is malformed")
    index = _index_for(status)
    key = order_key(shape["id"])
    key[index.partition_key] = {"S": index_partition_key(customer_id, status)}
    key[index.sort_key] = {"S": after}
    return key


# -- errors --------------------------------------------------------------------------------


@contextmanager
def _translated(action: str) -> Iterator[None]:
    """Turn any botocore failure of ``action`` into the port's errors: StoreUnavailable when
    a retry may succeed (throttling, 5xx, timeouts and connection failures, once botocore's
    own retries are spent), StoreError when it will not (access denied, no such table, a
    request DynamoDB calls invalid). The caller handles conditional-write failures first."""
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "Unknown")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in _TRANSIENT_CODES or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise StoreUnavailable(f"DynamoDB is busy or failing ({action}: {code})") from exc
        raise StoreError(f"DynamoDB refused the request ({action}: {code})") from exc
    except (BotoConnectionError, HTTPClientError) as exc:  # refused, reset, timed out
        raise StoreUnavailable(f"DynamoDB could not be reached ({action}: {exc})") from exc
    except BotoCoreError as exc:  # no credentials or region, a malformed request: a fault here
        raise StoreError(f"DynamoDB could not be called ({action}: {exc})") from exc


def _condition_on_version(write: PutTypeDef | DeleteTypeDef, expected_version: int) -> None:
    # A missing item fails the comparison too; ALL_OLD returns the stored item with the
    # cancellation, which tells a conflict from a missing order without another read.
    write["ConditionExpression"] = "#version = :expected"
    write["ExpressionAttributeNames"] = {"#version": VERSION_ATTRIBUTE}
    write["ExpressionAttributeValues"] = {":expected": {"N": str(expected_version)}}
    write["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"


def _version_failure(order_id: OrderId, expected: int) -> _FailureReporter:
    def report(stored: Item | None) -> OrdersError:
        if stored is None or is_tombstone(stored):
            return OrderNotFound(f"order {order_id} not found")
        version = stored.get(VERSION_ATTRIBUTE, {}).get("N", "?")
        return VersionConflict(f"order {order_id} is at version {version}, not {expected}")

    return report


# -- the repository ------------------------------------------------------------------------


class DynamoDbOrderRepository(OrdersFromRecords):
    """OrderRepository on the orders table; see the module docstring for layout and costs.

    ``client`` is a low-level DynamoDB client, made once (``make_dynamodb_client``) and shared:
    boto3 clients are thread-safe. ``cursor_key`` signs page cursors and must be the same on
    every instance serving one API. Outbox items expire ``outbox_ttl`` after they are written.
    """

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        cursor_key: bytes,
        outbox_ttl: timedelta = DEFAULT_OUTBOX_TTL,
        clock: Clock | None = None,
    ) -> None:
        if outbox_ttl <= timedelta(0):
            raise ValueError("outbox_ttl must be positive")
        self._client = client
        self._table = table_name
        self._codec = CursorCodec(cursor_key)
        self._outbox_ttl = outbox_ttl
        self._clock: Clock = clock or SystemClock()

    # -- reads -----------------------------------------------------------------------------

    def get(self, order_id: OrderId) -> Order:
        with _translated("GetItem"):
            response = self._client.get_item(
                TableName=self._table, Key=order_key(order_id), ConsistentRead=True
            )
        item = response.get("Item")
        if item is None or is_tombstone(item):
            raise OrderNotFound(f"order {order_id} not found")
        with unreadable("order"):
            return order_from_item(item)

    def list_records_for_customer(
        self,
        customer_id: CustomerId,
        *,
        limit: int,
        cursor: str | None = None,
        status: OrderStatus | None = None,
    ) -> RecordPage:
        check_limit(limit)
        after = position_after(self._codec, cursor, customer_id, status)
        index = _index_for(status)
        query: QueryInputTypeDef = {
            "TableName": self._table,
            "IndexName": index.name,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": index.partition_key, **_LISTED_NAMES},
            "ExpressionAttributeValues": {":pk": {"S": index_partition_key(customer_id, status)}},
            # What a record is made of, in either shape: botocore then parses no index keys.
            "ProjectionExpression": _LISTED_PROJECTION,
            "ScanIndexForward": False,
            # One more than a page: whether it comes back says if another page exists, so the
            # last page carries no cursor and no walk ends with an empty page.
            "Limit": limit + 1,
        }
        if after is not None:
            query["ExclusiveStartKey"] = _start_key(after, customer_id, status)
        with _translated("Query"):
            response = self._client.query(**query)
        items = response.get("Items", [])
        page = items[:limit]
        # Past 1 MB DynamoDB stops early with a LastEvaluatedKey: the page is then short but
        # still correct, and the walk resumes after its last item.
        more = len(items) > limit or ("LastEvaluatedKey" in response and bool(page))
        next_cursor = None
        with unreadable("order"):
            records = tuple(_record(item) for item in page)
            if more:
                last = position_key(str(records[-1]["created_at"]), str(records[-1]["id"]))
                next_cursor = cursor_after(self._codec, last, customer_id, status)
        return RecordPage(records, next_cursor)

    def due_for_expiry(self, now: datetime, *, limit: int) -> list[OrderId]:
        """``orders_core.ExpiryIndex``: one Query on the sparse GSI3 (never a Scan), keys
        only; eventually consistent, as every GSI read is."""
        check_due_limit(limit)
        # GSI3SK is "<payment_due>#<id>" in fixed-width time text; "$" sorts right after "#",
        # so "<now>$" is above every key due by now and below every later one.
        query: QueryInputTypeDef = {
            "TableName": self._table,
            "IndexName": DUE_INDEX.name,
            "KeyConditionExpression": "#pk = :pk AND #sk < :bound",
            "ExpressionAttributeNames": {"#pk": DUE_INDEX.partition_key, "#sk": DUE_INDEX.sort_key},
            "ExpressionAttributeValues": {
                ":pk": {"S": DUE_PARTITION},
                ":bound": {"S": f"{format_time(utc(now))}$"},
            },
            "ScanIndexForward": True,
            "Limit": limit,
        }
        with _translated("Query"):
            response = self._client.query(**query)
        with unreadable("order"):
            return [
                OrderId(str(item[DUE_INDEX.sort_key]["S"]).split("#", 1)[1])
                for item in response.get("Items", [])
            ]

    def events_for(self, order_id: OrderId) -> list[OrderEvent]:
        query: QueryInputTypeDef = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :events)",
            "ExpressionAttributeNames": {
                "#pk": _PK,
                "#sk": _SK,
            },
            "ExpressionAttributeValues": {
                ":pk": {"S": order_partition_key(order_id)},
                ":events": {"S": EVENT_KEY_PREFIX},
            },
            "ConsistentRead": True,
        }
        items: list[Mapping[str, AttributeValueTypeDef]] = []
        while True:
            with _translated("Query"):
                response = self._client.query(**query)
            items += response.get("Items", [])
            last = response.get("LastEvaluatedKey")
            if last is None:
                break
            query["ExclusiveStartKey"] = last
        with unreadable("event"):
            return [event_from_item(item) for item in items]

    # -- writes ----------------------------------------------------------------------------

    def add(self, order: Order, events: Sequence[OrderEvent]) -> None:
        check_write(order, 0, events)
        put: TransactWriteItemTypeDef = {
            "Put": {
                "TableName": self._table,
                "Item": order_item(order),
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": {"#pk": _PK},
            }
        }
        self._transact(
            [put, *self._outbox(events)],
            lambda _stored: OrderAlreadyExists(f"order {order.id} already exists"),
        )

    def save(self, order: Order, *, expected_version: int, events: Sequence[OrderEvent]) -> None:
        check_write(order, expected_version, events)
        put: PutTypeDef = {"TableName": self._table, "Item": order_item(order)}
        _condition_on_version(put, expected_version)
        self._transact(
            [{"Put": put}, *self._outbox(events)], _version_failure(order.id, expected_version)
        )

    def delete(
        self, order_id: OrderId, *, expected_version: int, events: Sequence[OrderEvent]
    ) -> None:
        check_events(order_id, expected_version + 1, events)
        tombstone: PutTypeDef = {"TableName": self._table, "Item": tombstone_item(order_id)}
        _condition_on_version(tombstone, expected_version)
        self._transact(
            [{"Put": tombstone}, *self._outbox(events)],
            _version_failure(order_id, expected_version),
        )

    def _outbox(self, events: Sequence[OrderEvent]) -> list[TransactWriteItemTypeDef]:
        expires_at = int((self._clock.now() + self._outbox_ttl).timestamp())
        return [
            {"Put": {"TableName": self._table, "Item": event_item(e, expires_at=expires_at)}}
            for e in events
        ]

    def _transact(
        self, items: list[TransactWriteItemTypeDef], on_condition_failed: _FailureReporter
    ) -> None:
        with _translated("TransactWriteItems"):
            try:
                # The token makes botocore's retries of this call idempotent: a retry after a
                # lost response succeeds instead of failing its own version condition.
                self._client.transact_write_items(
                    TransactItems=items, ClientRequestToken=str(uuid.uuid4())
                )
            except ClientError as exc:
                error = _cancellation(exc, on_condition_failed)
                if error is None:
                    raise
                raise error from exc


# Cancellation reasons a retry may get past.
_TRANSIENT_REASONS: Final = frozenset(
    {"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}
)


def _cancellation(exc: ClientError, on_condition_failed: _FailureReporter) -> OrdersError | None:
    """The core error for a cancelled transaction; None for any other failure.

    Only the first transaction item (the order) carries a condition; outbox puts have none.
    """
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    reasons = cast("list[dict[str, Any]]", exc.response.get("CancellationReasons") or [])
    codes = [str(r.get("Code", "None")) for r in reasons]
    if codes and codes[0] == "ConditionalCheckFailed":
        return on_condition_failed(reasons[0].get("Item"))
    if "TransactionConflict" in codes:
        # Another transaction on this order was in flight: an optimistic-locking loss.
        return VersionConflict("the order was being changed by another request")
    summary = f"TransactWriteItems: TransactionCanceled, reasons {', '.join(codes) or 'none'}"
    if any(code in _TRANSIENT_REASONS for code in codes):
        return StoreUnavailable(f"DynamoDB is busy or failing ({summary})")
    return StoreError(f"DynamoDB refused the request ({summary})")


# -- client and table ----------------------------------------------------------------------


def make_dynamodb_client(
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    max_attempts: int = 4,
    connect_timeout: float = 2.0,
    read_timeout: float = 5.0,
) -> DynamoDBClient:
    """A DynamoDB client with explicit retries and timeouts; make one per process and share it.

    ``region`` None takes the environment's (``AWS_REGION`` in Lambda). botocore's
    ``standard`` retry mode retries throttling, 5xx and connection errors with jittered
    backoff up to ``max_attempts`` calls in all; only then does the repository report
    StoreUnavailable. ``endpoint_url`` points it at moto or DynamoDB Local.
    """
    session, config = session_and_config(
        max_attempts=max_attempts,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        tcp_keepalive=True,
    )
    # No client-side check of each request against the API's shapes (about 3% of a request,
    # more for a transaction): the requests are built here and typed against those shapes,
    # and DynamoDB checks them anyway; a malformed one is still a StoreError, from its answer.
    config = config.merge(Config(parameter_validation=False))
    return session.client("dynamodb", endpoint_url=endpoint_url, region_name=region, config=config)


def create_orders_table(
    client: DynamoDBClient, table_name: str, definition: TableDefinition = ORDERS_TABLE
) -> None:
    """Create the table ``definition`` describes (keys, indexes, stream, TTL) and wait until
    it is active. For tests and the local server; deployed tables come from Pulumi."""
    key_schema: list[Any] = [{"AttributeName": definition.partition_key, "KeyType": "HASH"}]
    if definition.sort_key:
        key_schema.append({"AttributeName": definition.sort_key, "KeyType": "RANGE"})
    request: CreateTableInputTypeDef = {
        "TableName": table_name,
        "BillingMode": definition.billing_mode,
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"} for name in definition.key_attributes()
        ],
        "KeySchema": key_schema,
    }
    if definition.indexes:
        indexes: list[GlobalSecondaryIndexTypeDef] = [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": index.projection},
            }
            for index in definition.indexes
        ]
        request["GlobalSecondaryIndexes"] = indexes
    if definition.stream_view_type:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": definition.stream_view_type,
        }
    with _translated("CreateTable"):
        client.create_table(**request)
        client.get_waiter("table_exists").wait(
            TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": definition.ttl_attribute},
        )
