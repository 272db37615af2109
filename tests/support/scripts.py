"""Running a piece of Python in a fresh interpreter, for what only a new process shows (what
an import loads, what is built at import time)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run_script(script: str) -> str:
    """``script`` (dedented) run by this interpreter in a new process; its stdout, stripped."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
