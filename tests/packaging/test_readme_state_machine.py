"""The README's state machine for test authors: it passes on the library as it is, finds a
bug planted in the lifecycle, and type-checks with mypy --strict."""

from __future__ import annotations

import re
import subprocess
import sys
import unittest
from pathlib import Path

import pytest

from orders_core import OrderStatus
from orders_core.order import ALLOWED_TRANSITIONS

ROOT = Path(__file__).resolve().parents[2]


def _machine_source() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("A state machine over the use cases", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the README shows the state machine"
    return match.group(1)


def _run_machine() -> unittest.TestResult:
    namespace: dict[str, object] = {"__name__": "readme_state_machine"}
    exec(compile(_machine_source(), "README.md", "exec"), namespace)  # noqa: S102 - our README
    case = namespace["TestOrders"]
    assert isinstance(case, type)
    assert issubclass(case, unittest.TestCase)
    result = unittest.TestResult()
    case("runTest").run(result)
    return result


def test_the_readme_state_machine_passes_on_the_library() -> None:
    result = _run_machine()
    assert result.wasSuccessful(), result.errors + result.failures


def test_the_readme_state_machine_finds_a_shipped_order_that_can_be_cancelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The planted bug: the lifecycle lets a SHIPPED order be cancelled.
    monkeypatch.setitem(
        ALLOWED_TRANSITIONS,
        OrderStatus.SHIPPED,
        frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED}),
    )
    result = _run_machine()
    [(_, report)] = result.errors + result.failures
    assert "DID NOT RAISE" in report
    assert "pay_and_ship" in report
    assert "cancel" in report


def test_the_readme_state_machine_passes_mypy_strict(tmp_path: Path) -> None:
    script = tmp_path / "test_orders_machine.py"
    script.write_text(_machine_source(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_ci_builds_the_api_reference_the_readme_names() -> None:
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    ci = noxfile.split("def ci(", 1)[1].split("\n@nox.session", 1)[0]
    assert "_apidocs(session)" in ci
    assert "nox -s apidocs" in (ROOT / "README.md").read_text(encoding="utf-8")
