"""No answer crosses between concurrent requests: 32 customers at once on ``orders serve``.

Every answer is checked against the request it answers: the customer it names, the order id
it names, and the request id in an error body against the ``X-Amzn-RequestId`` header of the
same response; request ids are unique across the run. Before the execution environments,
the threaded server mixed up answers here (another customer's order, a 428 on a PATCH that
sent If-Match, error bodies with a neighbour's request id).
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import pytest

from tests.support.local_server import RunningServer, orders_serve
from tests.support.processes import environments, open_files, rss_kib

pytestmark = pytest.mark.slow

CUSTOMERS: Final = 32
REQUESTS_EACH: Final = 320  # 10,240 in all
WARM_UP: Final = 100  # requests by each of 4 customers
QUIET_SECONDS: Final = 2.5
# The threaded server this replaced grew from 50 MB to 1.2 GB over 10,000 requests; a process
# that keeps nothing per request stays within a few MB (caches filling, allocator slack).
RSS_GROWTH_LIMIT_KIB: Final = 16 * 1024


@dataclass
class Findings:
    mismatches: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    request_ids: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, status: int, request_id: str, mismatch: str | None) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.request_ids[request_id] += 1
            if mismatch is not None:
                self.mismatches.append(mismatch)


class Customer:
    """One customer's keep-alive connection and the orders it has placed."""

    def __init__(self, url: str, name: str, findings: Findings, seed: int) -> None:
        location = urlsplit(url)
        self.connection = http.client.HTTPConnection(
            location.hostname or "127.0.0.1", location.port, timeout=30
        )
        self.name = name
        self.findings = findings
        self.orders: dict[str, int] = {}  # id -> version
        self.random = random.Random(seed)

    def call(
        self, method: str, path: str, body: object = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        sent = {"X-Dev-Customer": self.name, **(headers or {})}
        payload = None if body is None else json.dumps(body).encode()
        if payload is not None:
            sent["Content-Type"] = "application/json"
        self.connection.request(method, path, body=payload, headers=sent)
        response = self.connection.getresponse()
        raw = response.read()
        got = {k.lower(): v for k, v in response.getheaders()}
        return response.status, got, json.loads(raw) if raw else None

    def check(self, what: str, status: int, headers: dict[str, str], body: Any, ok: bool) -> None:
        request_id = headers.get("x-amzn-requestid", "")
        problem = None
        if not ok:
            problem = f"{self.name} {what}: {status} {json.dumps(body)[:300]}"
        elif status >= 400 and body["error"]["request_id"] != request_id:
            problem = f"{self.name} {what}: error body names {body['error']['request_id']}"
        self.findings.note(status, request_id, problem)

    def step(self) -> None:
        choice = self.random.random()
        if not self.orders or choice < 0.2:
            sku = f"SKU-{self.random.randrange(1000)}"
            order = {
                "currency": "EUR",
                "lines": [{"sku": sku, "quantity": 1, "unit_price": "1.00"}],
            }
            status, headers, body = self.call("POST", "/orders", order)
            ok = status == 201 and body["customer_id"] == self.name
            ok = ok and body["lines"][0]["sku"] == sku
            ok = ok and headers.get("location") == f"/orders/{body['id']}"
            if ok:
                self.orders[body["id"]] = body["version"]
            self.check("create", status, headers, body, ok)
        elif choice < 0.55:
            order_id = self.random.choice(list(self.orders))
            status, headers, body = self.call("GET", f"/orders/{order_id}")
            ok = status == 200 and body["id"] == order_id and body["customer_id"] == self.name
            self.check("get", status, headers, body, ok)
        elif choice < 0.75:
            status, headers, body = self.call("GET", "/orders?limit=5")
            ok = status == 200 and all(o["customer_id"] == self.name for o in body["items"])
            ok = ok and all(o["id"] in self.orders for o in body["items"])
            self.check("list", status, headers, body, ok)
        elif choice < 0.9:
            order_id = self.random.choice(list(self.orders))
            version = self.orders[order_id]
            lines = {"lines": [{"sku": "PATCHED", "quantity": 2, "unit_price": "2.00"}]}
            status, headers, body = self.call(
                "PATCH", f"/orders/{order_id}", lines, {"If-Match": f'"{version}"'}
            )
            ok = status == 200 and body["id"] == order_id and body["version"] == version + 1
            ok = ok and body["customer_id"] == self.name
            if ok:
                self.orders[order_id] = body["version"]
            self.check("patch", status, headers, body, ok)
        else:  # an error on purpose: its body must name this very request
            status, headers, body = self.call("GET", "/orders/0b6f3c2e-0000-4000-8000-000000000000")
            self.check("missing", status, headers, body, status == 404)

    def run(self, count: int) -> None:
        try:
            for _ in range(count):
                self.step()
        finally:
            self.connection.close()


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    workdir: Path = tmp_path_factory.mktemp("serve-crosstalk")
    with orders_serve(workdir) as running:
        yield running


def _resources(server: RunningServer) -> dict[int, tuple[int, int]]:
    """Open files and RSS of every process, once idle: the SQLite stores close their pooled
    connections after a second without work, so busy and idle counts differ by design."""
    time.sleep(QUIET_SECONDS)
    pids = [server.process.pid, *environments(server.process.pid)]
    return {pid: (open_files(pid), rss_kib(pid)) for pid in pids}


def test_thirty_two_customers_at_once_only_ever_see_their_own_answers(
    busy_server: RunningServer,
) -> None:
    # Concurrent, so that every environment has served (and opened its store) before the
    # resources are first read.
    warm_ups = [
        threading.Thread(
            target=Customer(busy_server.url, f"warm-up-{n}", Findings(), seed=-n).run,
            args=(WARM_UP,),
        )
        for n in range(1, 5)
    ]
    for thread in warm_ups:
        thread.start()
    for thread in warm_ups:
        thread.join(timeout=300)
    before = _resources(busy_server)
    findings = Findings()
    customers = [
        Customer(busy_server.url, f"crosstalk-{n}", findings, seed=n) for n in range(CUSTOMERS)
    ]
    errors: list[BaseException] = []

    def run(customer: Customer) -> None:
        try:
            customer.run(REQUESTS_EACH)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not errors, errors[:3]
    total = sum(findings.statuses.values())
    assert total == CUSTOMERS * REQUESTS_EACH
    assert findings.mismatches == [], (len(findings.mismatches), findings.mismatches[:5])
    assert len(findings.request_ids) == total, "a request id was handed out twice"
    assert set(findings.statuses) <= {200, 201, 404}, findings.statuses
    after = _resources(busy_server)
    assert after.keys() == before.keys(), "an environment was replaced during the run"
    for pid, (files, rss) in after.items():
        assert files <= before[pid][0], f"process {pid} holds {files - before[pid][0]} more files"
        assert rss - before[pid][1] < RSS_GROWTH_LIMIT_KIB, (
            f"process {pid} grew {rss - before[pid][1]} KiB"
        )
