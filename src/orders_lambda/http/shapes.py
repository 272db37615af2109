"""What an HTTP operation sees and answers: :class:`Request` and :class:`Reply`.

This module imports no container and no Powertools: the composition root
(:mod:`orders_lambda.bootstrap`) hands each entrypoint its services (the dependency-injector
container), and the app (:mod:`orders_lambda.http.app`) wraps them in a :class:`Request` per
event, as ``request.services``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from orders_core import ORDER_ID_PATTERN, Order, OrderNotFound, Principal
from orders_lambda.http import request as parse
from orders_lambda.http.bodies import order_body
from orders_lambda.http.errors import JSON

if TYPE_CHECKING:
    from orders_lambda.settings import Settings

_M = TypeVar("_M", bound=BaseModel)


class Configured(Protocol):
    """The least an operation's services provide: the settings its request is read with.

    The container provides it and everything else an operation asks for; an entrypoint
    states which services it takes (``Request[Container]``), so mypy checks each use case it
    asks for against the container that makes it.
    """

    @property
    def settings(self) -> Callable[[], Settings]: ...


ServicesT_co = TypeVar("ServicesT_co", bound=Configured, covariant=True)


def dumps(body: object) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Reply:
    """What an operation answers: a status, a body and headers.

    ``body`` is serialised as JSON; for another ``content_type`` it is sent as the text it is.
    """

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = JSON

    @property
    def text(self) -> str:
        if self.body is None:
            return ""
        if self.content_type != JSON or isinstance(self.body, _Serialised):
            return str(self.body)
        return dumps(self.body)

    def to_record(self) -> dict[str, Any]:
        """JSON-ready form, the body as its text, so a replay sends the very same bytes (the
        idempotency layer stores replies this way)."""
        return {
            "status": int(self.status),
            "headers": dict(self.headers),
            "content_type": self.content_type,
            "text": self.text,
        }

    @classmethod
    def serialised(cls, status: int, text: str, headers: Mapping[str, str]) -> Reply:
        """A JSON reply whose body is already serialised, sent as the very ``text``."""
        return cls(status, _Serialised(text), dict(headers))

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Reply:
        text = str(record["text"])
        return cls(
            int(record["status"]),
            _Serialised(text) if text else None,
            dict(record["headers"]),
            str(record["content_type"]),
        )


class _Serialised(str):
    """A JSON body already in text form (from a stored reply)."""

    __slots__ = ()


class Request(Generic[ServicesT_co]):
    """One request as an operation sees it: the event, the Lambda context, and the services the
    composition root gave the entrypoint."""

    # Settings and caller are read once per request; plain slots rather than
    # functools.cached_property, which takes a lock on every first read (Python 3.11).
    __slots__ = ("_caller", "_settings", "context", "event", "services")

    def __init__(self, event: Mapping[str, Any], context: Any, services: ServicesT_co) -> None:
        self.event, self.context, self.services = event, context, services
        self._settings: Settings | None = None
        self._caller: Principal | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = self.services.settings()
        return self._settings

    @property
    def caller(self) -> Principal:
        if self._caller is None:
            settings = self.settings
            self._caller = parse.principal(
                self.event, staff_group=settings.staff_group, tier_claim=settings.tier_claim
            )
        return self._caller

    def header(self, name: str) -> str | None:
        return parse.header(self.event, name)

    @property
    def query(self) -> dict[str, str]:
        return parse.query(self.event)

    def body(self, model: type[_M]) -> tuple[_M, Any]:
        return parse.json_body(self.event, model, max_bytes=self.settings.max_body_bytes)

    def expected_version(self, *, required: bool) -> int | None:
        return parse.expected_version(self.event, required=required)

    @staticmethod
    def order_id(value: str) -> str:
        """The order id from the path; one that can't be an id names no order (404, not a
        validation error: the URL is what is wrong)."""
        if not ORDER_ID_PATTERN.fullmatch(value):
            raise OrderNotFound(f"order {value[:64]} not found")
        return value

    def url(self, path: str) -> str:
        """``path`` as the client reaches it, behind the stage or base path it called."""
        called = str((self.event.get("requestContext") or {}).get("path") or "")
        routed = str(self.event.get("path") or "")
        base = called[: -len(routed)] if routed and called.endswith(routed) else ""
        return f"{base}{path}"

    def order_reply(self, order: Order, status: int = HTTPStatus.OK) -> Reply:
        """An order, with its version as the ETag (and its Location when just created)."""
        headers = {"ETag": parse.etag(order.version)}
        if status == HTTPStatus.CREATED:
            headers["Location"] = self.url(f"/orders/{order.id}")
        return Reply(status, order_body(order), headers)


__all__ = ["Configured", "Reply", "Request", "ServicesT_co", "dumps"]
