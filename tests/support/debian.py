"""Debian packages a test needs (chromium, nodejs and npm), installed with apt-get where
missing: as root, as on CI and the developer machines."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Final

INSTALL_TIMEOUT: Final = 900


def apt_install(*packages: str) -> str | None:
    """Why ``packages`` can't be installed with apt-get, or None once they are."""
    apt = shutil.which("apt-get")
    if apt is None:
        return "this machine has no apt-get"
    if os.geteuid() != 0:
        return "installing with apt-get needs root"
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in ([apt, "update"], [apt, "install", "-y", "--no-install-recommends", *packages]):
        done = subprocess.run(
            step,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
            env=environment,
        )
        if done.returncode != 0:
            return f"`{' '.join(step)}` failed: {done.stderr[-500:]}"
    return None
