"""The one HTTP app every entrypoint goes through.

Entrypoint modules register their operation on :data:`api` with :meth:`OrdersApi.operation`
and export ``handler = api.bind(bootstrap.container)``: the app is given the services it hands
each operation and never imports the composition root. Each call then runs, in order: the
services (the container, built while Lambda initialises the function, elsewhere on the first
call; a misconfiguration fails with a message naming the variable), Powertools' Logger
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

import threading
from collections.abc import Callable, Mapping
from typing import Any, Final

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from orders_lambda import metric_names, observability, routes
from orders_lambda.http import request as parse
from orders_lambda.http.errors import MethodNotAllowed, RouteNotFound, problem_for
from orders_lambda.http.shapes import Configured, Reply, Request, dumps

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
# Where the resolver's per-event context keeps the services of the call.
_SERVICES: Final = "services"


Operation = Callable[..., Reply]


class OrdersApi:
    def __init__(self) -> None:
        self._operations: dict[routes.Route, Operation] = {}
        self._registrations = 0  # bumped by every registration: a thread's resolver is stale
        self._local = threading.local()
        self._lock = threading.Lock()
        self._instrumented: LambdaHandler | None = None

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
                resolver.current_event.raw_event,
                resolver.lambda_context,
                resolver.context[_SERVICES],
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

    def bind(self, services: Callable[[], Configured]) -> LambdaHandler:
        """The Lambda entrypoint ``handler(event, context)``, whose operations get the
        services ``services()`` returns (the composition root's container)."""

        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            provided = services()  # a SettingsError fails the invocation, by name
            instrumented = self._instrumented
            if instrumented is None:
                instrumented = self._instrumented = self._instrument()
            # The resolver's routing context, which it clears after the event.
            self._resolver().context[_SERVICES] = provided
            return instrumented(event, context)

        return handler

    def _instrument(self) -> LambdaHandler:
        logger, metrics = observability.logger(), observability.metrics()

        @metrics.log_metrics
        # log_event stays off whatever the environment says: events carry personal data.
        @logger.inject_lambda_context(clear_state=True, log_event=False)
        def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
            # The correlation id is API Gateway's request id (requestContext.requestId), read
            # directly: Powertools' correlation_id_path runs a JMESPath query per request.
            logger.set_correlation_id(parse.request_id(event))
            return self._resolver().resolve(event, context)

        instrumented: LambdaHandler = run
        if observability.tracing():
            # Responses are not recorded: they hold customers' orders.
            instrumented = observability.tracer().capture_lambda_handler(
                run, capture_response=False
            )
        return instrumented


def _response(reply: Reply) -> Response[str]:
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

__all__ = ["LambdaHandler", "OrdersApi", "api"]
