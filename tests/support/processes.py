"""The processes of a running ``orders serve``: its execution environments, their open
files and memory, read from /proc (Linux)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Final

RUNTIME_MODULE: Final = "orders_local.runtime"
_BANNER_PIDS: Final = re.compile(r"\(pids ([\d, ]+)\)")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        parent = int(stat.rpartition(")")[2].split()[1])
        if parent == pid:
            found.append(int(entry.name))
    return sorted(found)


def cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def environments(server_pid: int) -> list[int]:
    """The server's execution environment processes now."""
    return [pid for pid in children(server_pid) if RUNTIME_MODULE in cmdline(pid)]


def banner_pids(output: str) -> list[int]:
    found = _BANNER_PIDS.search(output)
    assert found, output
    return [int(pid) for pid in found.group(1).split(",")]


def open_files(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_for_environments(server_pid: int, count: int, timeout: float = 30.0) -> list[int]:
    """The environments once there are ``count`` of them, each past its imports."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = environments(server_pid)
        if len(found) == count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"expected {count} environments, found {environments(server_pid)}")


__all__ = [
    "banner_pids",
    "children",
    "environments",
    "open_files",
    "rss_kib",
    "wait_for_environments",
]
