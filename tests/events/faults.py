"""Fault injection for the event flow: a store that fails its next writes (before or after
applying them), an EventBridge endpoint that refuses or never answers, and EventBridge
rejecting chosen entries."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from typing import TYPE_CHECKING, Any

from orders_core import (
    CustomerId,
    Order,
    OrderEvent,
    OrderId,
    OrderStatus,
    Page,
    StoreUnavailable,
)
from tests.support.moto_server import HOST, free_port
from tests.support.service import EventedStore

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient


class FlakyStore:
    """Wraps a store; the next ``failures`` writes raise StoreUnavailable. With
    ``after_write`` the write is applied first, as when the store commits and the answer is
    lost on the way back."""

    def __init__(self, inner: EventedStore) -> None:
        self.inner = inner
        self.failures = 0
        self.after_write = False

    def fail_next_writes(self, failures: int, *, after_write: bool = False) -> None:
        self.failures, self.after_write = failures, after_write

    def _write(self, apply: Callable[[], None]) -> None:
        if self.failures <= 0:
            apply()
            return
        self.failures -= 1
        if self.after_write:
            apply()
        raise StoreUnavailable("injected: the store failed")

    def get(self, order_id: OrderId) -> Order:
        return self.inner.get(order_id)

    def add(self, order: Order, events: Sequence[OrderEvent]) -> None:
        self._write(lambda: self.inner.add(order, events))

    def save(self, order: Order, *, expected_version: int, events: Sequence[OrderEvent]) -> None:
        self._write(
            lambda: self.inner.save(order, expected_version=expected_version, events=events)
        )

    def delete(
        self, order_id: OrderId, *, expected_version: int, events: Sequence[OrderEvent]
    ) -> None:
        self._write(
            lambda: self.inner.delete(order_id, expected_version=expected_version, events=events)
        )

    def list_for_customer(
        self,
        customer_id: CustomerId,
        *,
        limit: int,
        cursor: str | None = None,
        status: OrderStatus | None = None,
    ) -> Page:
        return self.inner.list_for_customer(customer_id, limit=limit, cursor=cursor, status=status)

    def events_for(self, order_id: OrderId) -> list[OrderEvent]:
        return self.inner.events_for(order_id)

    def all_events(self) -> list[OrderEvent]:
        return self.inner.all_events()


def refusing_endpoint() -> str:
    """A loopback URL where nothing listens: every connection is refused."""
    return f"http://{HOST}:{free_port()}"


@contextmanager
def silent_endpoint() -> Iterator[str]:
    """A loopback URL that accepts connections and never answers (a timeout)."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as listener:
        listener.bind((HOST, 0))
        listener.listen(16)
        yield f"http://{HOST}:{listener.getsockname()[1]}"


class EntryRejection:
    """Makes EventBridge reject (MalformedDetail) the entries of chosen events, ``times``
    PutEvents calls long, by spoiling their detail on the way out."""

    def __init__(self, client: EventBridgeClient, event_ids: Sequence[str], times: int) -> None:
        self.event_ids = set(event_ids)
        self.times = times
        self.rejected: list[str] = []
        client.meta.events.register("before-parameter-build.events.PutEvents", self._spoil)

    def _spoil(self, params: dict[str, Any], **kwargs: Any) -> None:
        if self.times <= 0:
            return
        self.times -= 1
        for entry in params["Entries"]:
            event_id = json.loads(entry["Detail"])["event_id"]
            if event_id in self.event_ids:
                self.rejected.append(event_id)
                entry["Detail"] = "{spoiled"
