"""Swagger UI, served by ``orders serve``, renders the API's operations in a real browser.

The browser is Debian's ``chromium``, headless. Where it is missing the session installs it
with apt-get (root only, as on CI and the developer machines); the test is skipped, saying
why, only where that cannot be done.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from orders_lambda.routes import ORDER_ROUTES
from tests.support.debian import apt_install
from tests.support.local_server import RunningServer

pytestmark = pytest.mark.slow

BROWSER = "chromium"
RENDER_TIMEOUT = 120


def _install_browser() -> str | None:
    """Why chromium can't be had, or None once it is on PATH."""
    if shutil.which(BROWSER):
        return None
    reason = apt_install(BROWSER)
    if reason is not None:
        return f"chromium is not installed and {reason}"
    return None if shutil.which(BROWSER) else "apt-get ran but chromium is still not on PATH"


@pytest.fixture(scope="session")
def chromium() -> str:
    reason = _install_browser()
    if reason is not None:
        pytest.skip(reason)
    found = shutil.which(BROWSER)
    assert found is not None
    return found


def _rendered_dom(browser: str, url: str, profile: Path) -> str:
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=RENDER_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


_OPERATION = re.compile(
    r'class="opblock opblock-(?P<method>\w+)"'
    r'.*?data-path="(?P<path>[^"]*)"'
    r'.*?class="opblock-summary-description">(?P<summary>[^<]*)<',
    re.DOTALL,
)


def _operations(dom: str) -> set[tuple[str, str, str]]:
    """(METHOD, path, summary) of every operation block Swagger UI rendered."""
    return {
        (found["method"].upper(), html.unescape(found["path"]), html.unescape(found["summary"]))
        for found in _OPERATION.finditer(dom)
    }


def test_swagger_ui_lists_every_operation(
    chromium: str, server: RunningServer, tmp_path: Path
) -> None:
    dom = _rendered_dom(chromium, f"{server.url}/swagger", tmp_path / "profile")
    rendered = _operations(dom)
    expected = {(route.method, route.path, route.summary) for route in ORDER_ROUTES}
    assert expected <= rendered, f"missing {expected - rendered}; page starts:\n{dom[:2000]}"
