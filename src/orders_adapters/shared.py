"""Rules shared by the stores: write preconditions, cursor paging and reading stored records.

The sort key is ``<created_at>#<order id>``: fixed-width UTC time then id, so ordering the
text orders by time and breaks ties by id, exactly as the DynamoDB GSI sort key does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from orders_core import (
    MAX_DUE_BATCH,
    MAX_PAGE_SIZE,
    CursorCodec,
    CustomerId,
    InvalidCursor,
    InvalidInput,
    Order,
    OrderEvent,
    OrderId,
    OrdersError,
    OrderStatus,
    Page,
    RecordListing,
    StoreError,
    format_time,
)


def position_key(created_at: str, order_id: str) -> str:
    """The sort key from an order's ``created_at`` text (as ``format_time`` gives it) and id."""
    return f"{created_at}#{order_id}"


def sort_key(order: Order) -> str:
    return position_key(format_time(order.created_at), order.id)


def scope(customer_id: CustomerId, status: OrderStatus | None) -> dict[str, str]:
    return {"customer": customer_id, "status": status.value if status else ""}


def position_after(
    codec: CursorCodec, cursor: str | None, customer_id: CustomerId, status: OrderStatus | None
) -> str | None:
    """The sort key a page starts after, from a cursor; None for the first page."""
    if cursor is None:
        return None
    position = codec.decode(cursor, scope(customer_id, status))
    key = position.get("after")
    if not isinstance(key, str):
        raise InvalidCursor("the cursor is malformed")
    return key


def cursor_after(
    codec: CursorCodec, key: str, customer_id: CustomerId, status: OrderStatus | None
) -> str:
    return codec.encode({"after": key}, scope(customer_id, status))


def check_write(order: Order, expected_version: int, events: Sequence[OrderEvent]) -> None:
    """Preconditions every store checks before a conditional write."""
    if order.version != expected_version + 1:
        raise ValueError("a saved order's version must be expected_version + 1")
    check_events(order.id, order.version, events)


def check_events(order_id: OrderId, version: int, events: Sequence[OrderEvent]) -> None:
    """Events stored with a change (a write or a delete) must be that order's, at the version
    the change writes. With deleted ids never reused, that makes an event's (order, version),
    and so its id, unique for good; DynamoDB keys the outbox item by exactly that pair."""
    for event in events:
        if event.order_id != order_id:
            raise ValueError("events must belong to the order being written")
        if event.order_version != version:
            raise ValueError(f"events must be at the version being written ({version})")


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be 1 to {MAX_PAGE_SIZE}", {"limit": "out of range"})


def check_due_limit(limit: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_DUE_BATCH:
        raise InvalidInput(f"limit must be 1 to {MAX_DUE_BATCH}", {"limit": "out of range"})


def due_key(order: Order) -> str | None:
    """The expiry index's sort key (``<payment_due>#<id>``: deadline order, then id) of an
    order that belongs in the index (PENDING with a deadline), else None."""
    if order.status is not OrderStatus.PENDING or order.payment_due is None:
        return None
    return position_key(format_time(order.payment_due), order.id)


@contextmanager
def unreadable(what: str) -> Iterator[None]:
    """Report a stored ``what`` that cannot be loaded as ``StoreError``.

    Bad stored data is the store's fault, never the caller's: an ``InvalidInput`` raised while
    loading a stored line must not reach the caller as if their request were invalid, and no
    ``KeyError`` or ``JSONDecodeError`` may leave the store.
    """
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError, OrdersError) as exc:
        raise StoreError(f"a stored {what} could not be read: {type(exc).__name__}: {exc}") from exc


class OrdersFromRecords:
    """``list_for_customer`` for a store that offers ``list_records_for_customer``: the same
    page, each record loaded, and so validated, as an Order."""

    def list_for_customer(
        self: RecordListing,
        customer_id: CustomerId,
        *,
        limit: int,
        cursor: str | None = None,
        status: OrderStatus | None = None,
    ) -> Page:
        records = self.list_records_for_customer(
            customer_id, limit=limit, cursor=cursor, status=status
        )
        with unreadable("order"):
            return Page(tuple(Order.from_record(r) for r in records.records), records.next_cursor)
