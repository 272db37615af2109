"""``orders serve`` under load on loopback (``nox -s bench_serve``): throughput, latency and
resources, written to docs/benchmarks.md.

What runs, all on this machine, all over real sockets:

1. **Per route**, at 1 and 16 clients: req/s and p50/p99 of create, get, list (20 orders),
   patch, each for ``--seconds``; then a **mixed** workload (60% get, 20% list, 15% create,
   5% patch) at 16 clients. The server is ``orders serve`` on a fresh SQLite file, with its
   default environments (one per CPU).
2. **The floor**, in the same run: the same front end and environments with a hello-world
   Lambda handler (:mod:`hello_handler`) behind every route, GET at 1 and 16 clients.
3. **A soak** of ``--soak`` mixed requests at 16 clients: open files and RSS of the front end
   and of every environment, sampled after the warm-up and every tenth of the run.

The load generator is asyncio over raw keep-alive HTTP/1.1 connections, one per client, in
this process: it shares the 2 cores with the server, as any loopback benchmark does, and its
own cost is in the figures. Every answer's status is checked; an unexpected one counts as an
error. Bounded in requests and time; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
BEGIN: Final = "<!-- serve-bench:begin -->"
END: Final = "<!-- serve-bench:end -->"
_LISTENING: Final = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")
MIXED_TARGET_RPS: Final = 1500
MIXED_TARGET_P99_MS: Final = 50.0
FLOOR_SHARE_TARGET: Final = 0.5
SEQUENTIAL_CREATE_TARGET_MS: Final = 2.0


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def rps(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


class Connection:
    """One client: a keep-alive connection, one request at a time."""

    def __init__(
        self, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.port, self.reader, self.writer = port, reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(port, reader, writer)

    async def send(
        self, method: str, path: str, customer: str, body: bytes = b"", extra: str = ""
    ) -> tuple[int, bytes]:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: bench\r\nX-Dev-Customer: {customer}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        if not status_line:  # the server closed an idle keep-alive connection: reconnect
            self.writer.close()
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.writer.write(head.encode() + body)
            status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        payload = await self.reader.readexactly(length) if length else b""
        return int(status_line.split()[1]), payload

    def close(self) -> None:
        self.writer.close()


def _order(sku: str) -> bytes:
    return json.dumps(
        {"currency": "EUR", "lines": [{"sku": sku, "quantity": 1, "unit_price": "9.99"}]}
    ).encode()


@dataclass
class Client:
    """A customer with its own orders, making one kind of request or a mix."""

    connection: Connection
    customer: str
    orders: dict[str, int]
    rng: random.Random

    async def create(self) -> bool:
        status, body = await self.connection.send(
            "POST", "/orders", self.customer, _order(f"SKU-{self.rng.randrange(999)}")
        )
        if status == 201:
            placed = json.loads(body)
            self.orders[placed["id"]] = placed["version"]
        return status == 201

    async def get(self) -> bool:
        order_id = self.rng.choice(list(self.orders))
        status, _ = await self.connection.send("GET", f"/orders/{order_id}", self.customer)
        return status == 200

    async def list(self) -> bool:
        status, _ = await self.connection.send("GET", "/orders?limit=20", self.customer)
        return status == 200

    async def patch(self) -> bool:
        order_id = self.rng.choice(list(self.orders))
        body = json.dumps({"lines": [{"sku": "P-1", "quantity": 2, "unit_price": "1.00"}]})
        status, answer = await self.connection.send(
            "PATCH",
            f"/orders/{order_id}",
            self.customer,
            body.encode(),
            f'If-Match: "{self.orders[order_id]}"\r\n',
        )
        if status == 200:
            self.orders[order_id] = json.loads(answer)["version"]
        return status == 200

    async def mixed(self) -> bool:
        roll = self.rng.random()
        if roll < 0.60:
            return await self.get()
        if roll < 0.80:
            return await self.list()
        if roll < 0.95:
            return await self.create()
        return await self.patch()


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - a reproducible load, not secrets


Operation = Callable[[Client], Awaitable[bool]]
OPERATIONS: Final[dict[str, Operation]] = {
    "create": Client.create,
    "get": Client.get,
    "list of 20": Client.list,
    "patch": Client.patch,
    "mixed": Client.mixed,
}


async def _clients(port: int, count: int, prefix: str) -> list[Client]:
    clients = []
    for n in range(count):
        client = Client(await Connection.open(port), f"{prefix}-{n}", {}, _rng(n))
        for _ in range(20):  # 20 orders each, so list pages are full and get has a choice
            await client.create()
        clients.append(client)
    return clients


async def _drive(
    clients: list[Client],
    operation: Operation,
    *,
    seconds: float,
    limit: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Sample:
    sample = Sample()
    deadline = time.perf_counter() + seconds
    done = 0

    async def run(client: Client) -> None:
        nonlocal done
        while time.perf_counter() < deadline and (limit is None or done < limit):
            done += 1
            started = time.perf_counter()
            ok = await operation(client)
            if ok:
                sample.latencies.append(time.perf_counter() - started)
            else:
                sample.errors += 1
            if on_progress is not None:
                on_progress(done)

    started = time.perf_counter()
    await asyncio.gather(*(run(client) for client in clients))
    sample.seconds = time.perf_counter() - started
    return sample


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    port: int

    def pids(self) -> list[int]:
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rpartition(")")[2].split()[1]) == self.process.pid:
                    children.append(int(entry.name))
        return [self.process.pid, *sorted(children)]


@contextmanager
def running_server(workdir: Path, *, floor: bool) -> Iterator[Server]:
    log = workdir / ("floor.log" if floor else "serve.log")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERS_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "benchmarks"), env.get("PYTHONPATH", "")])
    command = [sys.executable, str(ROOT / "benchmarks" / "hello_handler.py")] if floor else []
    command = command or [sys.executable, "-m", "orders_local.cli", "serve"]
    command += ["--port", "0", "--db", str(workdir / "bench.sqlite3")]
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            command, cwd=workdir, stdout=sink, stderr=subprocess.STDOUT, env=env
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = _LISTENING.search(log.read_text(errors="replace"))
            if found:
                break
            if process.poll() is not None:
                raise RuntimeError(log.read_text(errors="replace")[-2000:])
            time.sleep(0.05)
        else:
            raise RuntimeError("the server did not start within 60 s")
        yield Server(process, int(found.group(1)))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def _resources(pid: int) -> tuple[int, float]:
    files = len(list(Path(f"/proc/{pid}/fd").iterdir()))
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return files, int(line.split()[1]) / 1024
    return files, 0.0


def _row(name: str, clients: int, sample: Sample) -> str:
    return (
        f"| {name} | {clients} | {sample.rps:,.0f} | {sample.percentile(0.5):.2f} | "
        f"{sample.percentile(0.99):.2f} | {sample.errors} |"
    )


async def _measure(server: Server, seconds: float) -> tuple[list[str], dict[str, Sample]]:
    rows, samples = [], {}
    for clients in (1, 16):
        pool = await _clients(server.port, clients, f"bench-{clients}")
        for name in ("create", "get", "list of 20", "patch"):
            sample = await _drive(pool, OPERATIONS[name], seconds=seconds)
            samples[f"{name}@{clients}"] = sample
            rows.append(_row(name, clients, sample))
        if clients == 16:
            sample = await _drive(pool, OPERATIONS["mixed"], seconds=seconds)
            samples["mixed@16"] = sample
            rows.append(_row("**mixed** (60/20/15/5)", clients, sample))
        for client in pool:
            client.connection.close()
    return rows, samples


async def _floor(server: Server, seconds: float) -> dict[int, Sample]:
    found = {}
    for clients in (1, 16):
        pool = [
            Client(await Connection.open(server.port), f"floor-{n}", {"x": 1}, _rng(n))
            for n in range(clients)
        ]
        found[clients] = await _drive(pool, OPERATIONS["get"], seconds=seconds)
        for client in pool:
            client.connection.close()
    return found


async def _soak(server: Server, total: int) -> tuple[Sample, list[str]]:
    pool = await _clients(server.port, 16, "soak")
    readings: list[str] = []
    step = max(1, total // 10)
    read_at: set[int] = set()

    def read(done: int) -> None:
        if (done % step == 0 or done == 1000) and done not in read_at:
            read_at.add(done)
            figures = [_resources(pid) for pid in server.pids()]
            files = " / ".join(str(f) for f, _ in figures)
            rss = " / ".join(f"{r:.1f}" for _, r in figures)
            readings.append(f"| {done:,} | {files} | {rss} |")

    sample = await _drive(pool, OPERATIONS["mixed"], seconds=3600, limit=total, on_progress=read)
    for client in pool:
        client.connection.close()
    return sample, readings


def _verdict(met: bool) -> str:  # noqa: FBT001 - a verdict on one condition
    return "met" if met else "**missed**"


def report(seconds: float, soak: int, command: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "floor").mkdir()
        (workdir / "serve").mkdir()
        (workdir / "soak").mkdir()
        with running_server(workdir / "floor", floor=True) as floor_server:
            floor = asyncio.run(_floor(floor_server, seconds))
        with running_server(workdir / "serve", floor=False) as server:
            environments = len(server.pids()) - 1
            rows, samples = asyncio.run(_measure(server, seconds))
        with running_server(workdir / "soak", floor=False) as soak_server:
            soaked, readings = asyncio.run(_soak(soak_server, soak))
    mixed = samples["mixed@16"]
    share = mixed.rps / floor[16].rps if floor[16].rps else 0.0
    create_1 = samples["create@1"].percentile(0.5)
    mixed_p99 = mixed.percentile(0.99)
    lines = [
        BEGIN,
        "## `orders serve` under load (loopback)",
        "",
        (
            f"Measured by `{command}` on {platform.machine()}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}: `orders serve` on a fresh "
            f"SQLite file with {environments} execution environments; {seconds:g} s per row, the "
            "load generator (asyncio, keep-alive connections) in a process on the same machine."
        ),
        "",
        "| route | clients | req/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        _row("floor: hello-world handler, same front end", 1, floor[1]),
        _row("floor: hello-world handler, same front end", 16, floor[16]),
        "",
        "Targets (issue 10):",
        "",
        (
            f"- mixed at 16 clients ≥ {MIXED_TARGET_RPS:,} req/s: {mixed.rps:,.0f}, "
            f"{_verdict(mixed.rps >= MIXED_TARGET_RPS)}; p99 ≤ {MIXED_TARGET_P99_MS:g} ms: "
            f"{mixed_p99:.1f}, {_verdict(mixed_p99 <= MIXED_TARGET_P99_MS)}"
            f"; 0 errors: {mixed.errors}, {_verdict(mixed.errors == 0)}"
        ),
        (
            f"- at least {FLOOR_SHARE_TARGET:.0%} of the floor's req/s (16 clients): {share:.0%}, "
            f"{_verdict(share >= FLOOR_SHARE_TARGET)}"
        ),
        (
            f"- a sequential create ≤ {SEQUENTIAL_CREATE_TARGET_MS:g} ms (p50, 1 client): "
            f"{create_1:.2f} ms, {_verdict(create_1 <= SEQUENTIAL_CREATE_TARGET_MS)}"
        ),
        "",
        (
            f"### Soak: {soak:,} mixed requests at 16 clients ({soaked.rps:,.0f} req/s, "
            f"{soaked.errors} errors)"
        ),
        "",
        "Open files and RSS (MB) of the front end / each environment, as the run went on:",
        "",
        "| requests | open files | RSS MB |",
        "|---:|---|---|",
        *readings,
        END,
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in text and END in text:
        before, _, rest = text.partition(BEGIN)
        _, _, after = rest.partition(END)
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measured row")
    parser.add_argument("--soak", type=int, default=50_000, help="requests in the soak")
    parser.add_argument("--write", type=Path, help="replace this section of FILE")
    parser.add_argument("--command", default="python benchmarks/serve_bench.py")
    arguments = parser.parse_args()
    section = report(arguments.seconds, arguments.soak, arguments.command)
    if arguments.write:
        write_section(arguments.write, section)
    sys.stdout.write(section + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
