"""A typed Python client generated from the committed docs/openapi.json with
openapi-python-client (the version pyproject pins), as a client author would make one.

It is generated, never committed: the document is the contract, and the client is a function
of it and the generator's version (``nox -s client`` writes one to build/orders_client for
use outside the tests).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[2]
SPEC: Final = ROOT / "docs" / "openapi.json"
PACKAGE: Final = "orders_client"
GENERATE_TIMEOUT: Final = 300


def generate(into: Path) -> Path:
    """Generate the client package into ``into``; its folder (``into / "orders_client"``)."""
    tools = Path(sys.executable).parent
    into.mkdir(parents=True, exist_ok=True)
    target = into / PACKAGE
    done = subprocess.run(
        [
            str(tools / "openapi-python-client"),
            "generate",
            "--path",
            str(SPEC),
            "--meta",
            "none",
            "--output-path",
            str(target),
            "--overwrite",
        ],
        capture_output=True,
        text=True,
        timeout=GENERATE_TIMEOUT,
        check=False,
        cwd=into,
        # Its post-generation hook formats the code with ruff, found on PATH.
        env={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    if done.returncode != 0 or not (target / "__init__.py").exists():
        raise RuntimeError(f"openapi-python-client failed:\n{done.stdout}\n{done.stderr}")
    return target


__all__ = ["PACKAGE", "SPEC", "generate"]
