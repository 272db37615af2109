"""A pool of execution environments, as Lambda keeps for a function, seen from the front end.

Each environment is a process (:mod:`orders_local.runtime`) that handles one event at
a time. An invocation takes a free environment, or waits in a bounded queue for one; with
the queue full it is throttled (429 with Retry-After, as API Gateway throttles). An
environment that dies, killed or out of memory, fails only the invocation it was running
(502) and is replaced; one that runs past the function timeout is killed, as Lambda kills
it (504). The pool is asyncio-only: it lives on the front end's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import socket
import sys
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final

from orders_lambda.http.errors import Problem
from orders_local.app import FUNCTION_FAILED, GatewayRefusal, gateway_problem
from orders_local.runtime import HEADER, MAX_FRAME, encode

log = logging.getLogger("orders.serve")

RETRY_AFTER_SECONDS: Final = 1
STOP_GRACE_SECONDS: Final = 10.0
RESPAWN_PAUSE_SECONDS: Final = 1.0

THROTTLED: Final = gateway_problem(
    HTTPStatus.TOO_MANY_REQUESTS,
    "THROTTLED",
    "every execution environment is busy and the queue is full; retry shortly",
    {"Retry-After": str(RETRY_AFTER_SECONDS)},
)
STOPPING: Final = gateway_problem(
    HTTPStatus.SERVICE_UNAVAILABLE,
    "SHUTTING_DOWN",
    "the server is shutting down",
    {"Retry-After": str(RETRY_AFTER_SECONDS), "Connection": "close"},
)
ENVIRONMENT_LOST: Final = gateway_problem(
    HTTPStatus.BAD_GATEWAY,
    "ENVIRONMENT_LOST",
    "the execution environment running this request stopped (killed or out of memory); "
    "whether the request took effect is unknown: retry with the same Idempotency-Key",
)


def timed_out(seconds: float) -> Problem:
    return gateway_problem(
        HTTPStatus.GATEWAY_TIMEOUT,
        "FUNCTION_TIMED_OUT",
        f"the function did not answer within {seconds:g} seconds and was stopped",
    )


class EnvironmentFailedToStart(RuntimeError):
    """An environment exited before it was ready (its output says why)."""


class _Lost(Exception):
    """The environment's process went away mid-invocation."""


@dataclass(eq=False, slots=True)
class Environment:
    """One environment process and the front end's end of its socket."""

    number: int
    process: asyncio.subprocess.Process
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    busy: bool = False

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    async def _frame(self) -> bytes:
        """The environment's next frame; :class:`_Lost` if its process went away."""
        try:
            (size,) = HEADER.unpack(await self.reader.readexactly(HEADER.size))
            if size > MAX_FRAME:
                raise _Lost
            return await self.reader.readexactly(size)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            raise _Lost from exc

    async def request(self, message: object) -> Any:
        try:
            self.writer.write(encode(message))
            await self.writer.drain()
        except ConnectionError as exc:
            raise _Lost from exc
        return json.loads(await self._frame())

    async def ready(self) -> None:
        try:
            await self._frame()
        except _Lost:
            code = await self.process.wait()
            raise EnvironmentFailedToStart(
                f"execution environment {self.number} exited with status {code} before it "
                "was ready; its output above says why"
            ) from None

    def kill(self) -> None:
        if self.alive:
            self.process.kill()


async def start_environment(number: int, runtime_args: tuple[str, ...] = ()) -> Environment:
    """Start one environment process and wait until it has imported the entrypoints."""
    ours, theirs = socket.socketpair()
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "orders_local.runtime",
            str(theirs.fileno()),
            *runtime_args,
            pass_fds=(theirs.fileno(),),
            stdin=asyncio.subprocess.DEVNULL,
        )
    finally:
        theirs.close()
    reader, writer = await asyncio.open_unix_connection(sock=ours)
    environment = Environment(number, process, reader, writer)
    await environment.ready()
    return environment


@dataclass(slots=True)
class EnvironmentPool:
    """``size`` environments, at most ``queue_limit`` invocations waiting for one."""

    size: int
    queue_limit: int
    timeout_seconds: float = 30.0
    runtime_args: tuple[str, ...] = ()
    _idle: list[Environment] = field(default_factory=list)
    _waiting: deque[asyncio.Future[Environment]] = field(default_factory=deque)
    _all: set[Environment] = field(default_factory=set)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _stopping: bool = False

    async def start(self) -> None:
        started = await asyncio.gather(
            *(start_environment(next(self._numbers), self.runtime_args) for _ in range(self.size)),
            return_exceptions=True,
        )
        failures = [result for result in started if isinstance(result, BaseException)]
        for result in started:
            if isinstance(result, Environment):
                self._adopt(result)
        if failures:
            await self.stop()
            raise failures[0]

    @property
    def pids(self) -> list[int]:
        return sorted(env.process.pid for env in self._all)

    async def invoke(self, entrypoint: str, event: dict[str, Any]) -> object:
        environment = await self._acquire()
        request_id = event.get("requestContext", {}).get("requestId")
        invocation = {
            "entrypoint": entrypoint,
            "event": event,
            "timeout": self.timeout_seconds,
            "request_id": request_id,
        }
        try:
            # A grace second past the function's own timeout: its context says the same.
            async with asyncio.timeout(self.timeout_seconds + 1):
                reply = await environment.request(invocation)
        except _Lost:
            log.warning("environment %s stopped during request %s", environment.number, request_id)
            raise GatewayRefusal(ENVIRONMENT_LOST) from None
        except TimeoutError:
            environment.kill()
            raise GatewayRefusal(timed_out(self.timeout_seconds)) from None
        except BaseException:  # cancelled mid-invocation: its reply can't be matched up
            environment.kill()
            raise
        self._release(environment)
        if "error" in reply:
            raise GatewayRefusal(FUNCTION_FAILED)
        return reply["result"]

    async def _acquire(self) -> Environment:
        if self._stopping:
            raise GatewayRefusal(STOPPING)
        while self._idle:
            environment = self._idle.pop()
            if environment.alive:
                environment.busy = True
                return environment
        if len(self._waiting) >= self.queue_limit:
            raise GatewayRefusal(THROTTLED)
        waiter: asyncio.Future[Environment] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            environment = await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())
            else:
                with contextlib.suppress(ValueError):
                    self._waiting.remove(waiter)
            raise
        return environment

    def _release(self, environment: Environment) -> None:
        if not environment.alive:
            return  # its watcher replaces it
        if self._stopping:
            environment.writer.close()  # it exits: no request will come
            return
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                environment.busy = True
                waiter.set_result(environment)
                return
        environment.busy = False
        self._idle.append(environment)

    def _adopt(self, environment: Environment) -> None:
        self._all.add(environment)
        task = asyncio.get_running_loop().create_task(self._watch(environment))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self._release(environment)

    async def _watch(self, environment: Environment) -> None:
        code = await environment.process.wait()
        self._all.discard(environment)
        with contextlib.suppress(ValueError):
            self._idle.remove(environment)
        environment.writer.close()
        if self._stopping:
            return
        log.warning(
            "execution environment %s (pid %s) exited with status %s; starting another",
            environment.number,
            environment.process.pid,
            code,
        )
        while not self._stopping:
            try:
                replacement = await start_environment(next(self._numbers), self.runtime_args)
            except (EnvironmentFailedToStart, OSError) as exc:
                log.warning("%s; retrying in %g s", exc, RESPAWN_PAUSE_SECONDS)
                await asyncio.sleep(RESPAWN_PAUSE_SECONDS)
                continue
            if self._stopping:
                replacement.writer.close()
                await replacement.process.wait()
                return
            self._adopt(replacement)
            return

    async def stop(self) -> None:
        """Close every environment's socket (each exits once its request is done); kill
        those still running after a grace period."""
        self._stopping = True
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_exception(GatewayRefusal(STOPPING))
        environments = list(self._all)
        for environment in environments:
            if not environment.busy:
                environment.writer.close()
        waits = [environment.process.wait() for environment in environments]
        try:
            async with asyncio.timeout(STOP_GRACE_SECONDS):
                await asyncio.gather(*waits)
        except TimeoutError:
            for environment in environments:
                environment.kill()
            await asyncio.gather(*(env.process.wait() for env in environments))
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


__all__ = [
    "ENVIRONMENT_LOST",
    "THROTTLED",
    "Environment",
    "EnvironmentFailedToStart",
    "EnvironmentPool",
    "start_environment",
]
