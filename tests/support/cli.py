"""The ``orders`` command run as its own process, as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def run_orders(
    workdir: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``orders ARGS`` in ``workdir``: the shell's environment, or exactly ``env`` if given."""
    return subprocess.run(
        [sys.executable, "-m", "orders_local.cli", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=None if env is None else dict(env),
    )


__all__ = ["run_orders"]
