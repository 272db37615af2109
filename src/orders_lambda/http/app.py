"""The one HTTP app every entrypoint goes through.

Handler modules register their operation on :data:`api` with :meth:`OrdersApi.operation`
and export :meth:`OrdersApi.handler`. Each call then runs, in order: the container (built
while Lambda initialises the function, see :mod:`orders_lambda.lambda_init`, elsewhere on the
first call; a misconfiguration fails with a message naming the variable), Powertools' Logger
(correlation id = the API Gateway request id), Metrics and Tracer, and a Powertools REST
resolver that routes to the operation and maps every error through
:mod:`orders_lambda.http.errors`.

One event at a time per process, as Lambda runs it: Powertools keeps the current event on a
class attribute (``BaseRouter.current_event``) and its Logger keys and Metrics buffer at
module level, so two events handled at once in one process can see each other's. ``orders
serve`` keeps to this with one process per execution environment. The resolver per thread
below only keeps a thread's routing table its own; it does not make concurrent events safe.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from orders_core import Order, OrderNotFound, Principal
from orders_core.order import ORDER_ID_PATTERN
from orders_lambda import container as containers
from orders_lambda import metric_names, observability, routes
from orders_lambda.http import request as parse
from orders_lambda.http.bodies import order_body
from orders_lambda.http.errors import JSON, MethodNotAllowed, RouteNotFound, problem_for
from orders_lambda.lambda_init import validate_at_init

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

    from orders_lambda.container import Container
    from orders_lambda.settings import Settings

_M = TypeVar("_M", bound=BaseModel)


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


class Request:
    """One request as an operation sees it: the event, the Lambda context, the container."""

    # Settings and caller are read once per request; plain slots rather than
    # functools.cached_property, which takes a lock on every first read (Python 3.11).
    __slots__ = ("_caller", "_settings", "container", "context", "event")

    def __init__(self, event: Mapping[str, Any], context: Any, container: Container) -> None:
        self.event, self.context, self.container = event, context, container
        self._settings: Settings | None = None
        self._caller: Principal | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = self.container.settings()
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


Operation = Callable[..., Reply]


class OrdersApi:
    def __init__(self) -> None:
        self._operations: dict[routes.Route, Operation] = {}
        self._registrations = 0  # bumped by every registration: a thread's resolver is stale
        self._local = threading.local()
        self._lock = threading.Lock()
        self._instrumented: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None

    def operation(self, route: routes.Route) -> Callable[[Operation], Operation]:
        """Register ``function(request, **path_parameters) -> Reply`` as ``route``."""

        def register(function: Operation) -> Operation:
            with self._lock:
                self._operations[route] = function
                self._registrations += 1
            return function

        return register

    # -- per-thread resolver ---------------------------------------------------------------

    def _resolver(self) -> APIGatewayRestResolver:
        built: tuple[int, APIGatewayRestResolver] | None = getattr(self._local, "resolver", None)
        if built is None or built[0] != self._registrations:
            with self._lock:
                registrations, operations = self._registrations, dict(self._operations)
            built = (registrations, self._build_resolver(operations))
            self._local.resolver = built
        return built[1]

    def _build_resolver(
        self, operations: Mapping[routes.Route, Operation]
    ) -> APIGatewayRestResolver:
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver

        resolver = APIGatewayRestResolver(serializer=dumps)
        for route, function in operations.items():
            resolver.route(route.resolver_path, method=route.method)(
                self._adapt(resolver, function)
            )
        resolver.not_found(lambda _exc: self._unrouted(resolver))
        resolver.exception_handler(Exception)(lambda exc: self._error(resolver, exc))
        return resolver

    @staticmethod
    def _adapt(
        resolver: APIGatewayRestResolver, function: Operation
    ) -> Callable[..., Response[str]]:
        def call(**path_parameters: str) -> Response[str]:
            request = Request(
                resolver.current_event.raw_event, resolver.lambda_context, containers.current()
            )
            return _response(function(request, **path_parameters))

        return call

    def _unrouted(self, resolver: APIGatewayRestResolver) -> Response[str]:
        event = resolver.current_event
        found = routes.match(event.http_method, event.path)
        if found.allowed:
            error: Exception = MethodNotAllowed(
                f"{event.http_method} is not allowed on {event.path}",
                headers={"Allow": ", ".join(found.allowed)},
            )
        else:
            error = RouteNotFound(f"no route for {event.http_method} {event.path}")
        return self._error(resolver, error)

    @staticmethod
    def _error(resolver: APIGatewayRestResolver, exc: Exception) -> Response[str]:
        problem = problem_for(exc)
        request_id = parse.request_id(resolver.current_event.raw_event)
        log = observability.logger()
        if problem.unexpected:
            log.exception("request failed unexpectedly", extra={"error_code": problem.code})
        else:
            log.info(
                "request refused",
                extra={"error_code": problem.code, "status": int(problem.status)},
            )
        observability.count(metric_names.ERRORS_BY_CODE, code=problem.code)
        return _response(Reply(int(problem.status), problem.body(request_id), problem.headers))

    # -- the Lambda entrypoint -------------------------------------------------------------

    def handler(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """The Lambda entrypoint: ``handler(event, context)``."""
        container = containers.current()  # a SettingsError fails the invocation, by name
        instrumented = self._instrumented
        if instrumented is None:
            observability.configure(container.settings())
            instrumented = self._instrumented = self._instrument()
        return instrumented(event, context)

    def _instrument(self) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        logger, metrics = observability.logger(), observability.metrics()

        @metrics.log_metrics
        # log_event stays off whatever the environment says: events carry personal data.
        @logger.inject_lambda_context(clear_state=True, log_event=False)
        def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
            # The correlation id is API Gateway's request id (requestContext.requestId), read
            # directly: Powertools' correlation_id_path runs a JMESPath query per request.
            logger.set_correlation_id(parse.request_id(event))
            return self._resolver().resolve(event, context)

        instrumented: Callable[[dict[str, Any], Any], dict[str, Any]] = run
        if observability.tracing():
            # Responses are not recorded: they hold customers' orders.
            instrumented = observability.tracer().capture_lambda_handler(
                run, capture_response=False
            )
        return instrumented


def _response(reply: Reply) -> Response[str]:
    from aws_lambda_powertools.event_handler import Response

    if reply.body is None:
        return Response(status_code=int(reply.status), headers=dict(reply.headers), body="")
    return Response(
        status_code=int(reply.status),
        content_type=reply.content_type,
        body=reply.text,
        headers=dict(reply.headers),
    )


api = OrdersApi()
"""The app: every entrypoint registers its operation here."""

validate_at_init()  # in Lambda, a misconfigured function fails its init, naming the variable

__all__ = ["OrdersApi", "Reply", "Request", "api", "dumps"]
