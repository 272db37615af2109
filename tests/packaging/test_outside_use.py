"""The library as a team outside the project meets it: a store package of its own in a
temporary directory, a fresh virtual environment with the distribution's testing extra, and
that team's tests (the public contract suite on its store, the plugin's fixtures, the
strategies) run there, away from this checkout."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THIRD_PARTY = Path(__file__).resolve().parent / "third_party"
# What the testing extra may bring besides the two packages it names: their own dependencies.
TEST_TOOLS = {"pytest", "hypothesis", "iniconfig", "packaging", "pluggy", "pygments"}
TEST_TOOLS |= {"attrs", "sortedcontainers", "exceptiongroup", "tomli"}

PYPROJECT = """\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "dict-store"
version = "0.0.1"
requires-python = ">=3.11"
dependencies = ["orders-service"]

[tool.setuptools]
py-modules = ["dict_store"]
"""


def _package(tmp_path: Path) -> Path:
    package = tmp_path / "dict-store"
    (package / "tests").mkdir(parents=True)
    (package / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    shutil.copy(THIRD_PARTY / "dict_store.py", package / "dict_store.py")
    shutil.copy(THIRD_PARTY / "dict_store_tests.py", package / "tests" / "test_dict_store.py")
    return package


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done.stdout


@pytest.mark.slow
def test_an_outside_store_passes_the_public_contract_in_a_fresh_environment(
    tmp_path: Path,
) -> None:
    uv = shutil.which("uv")
    assert uv, "uv is installed by the README's test command"
    package = _package(tmp_path)
    env_dir = tmp_path / "venv"
    _run(uv, "venv", "--quiet", "--python", sys.executable, env_dir, cwd=tmp_path)
    python = env_dir / "bin" / "python"
    # The same pytest and Hypothesis as this run, so the environment differs only in place.
    _run(
        uv, "pip", "install", "--quiet", "--python", python,
        f"{ROOT}[testing]", package,
        f"pytest=={version('pytest')}", f"hypothesis=={version('hypothesis')}",
        cwd=tmp_path,
    )  # fmt: skip
    listing = _run(uv, "pip", "list", "--python", python, "--format", "json", cwd=tmp_path)
    installed = {item["name"].lower() for item in json.loads(listing)}
    assert installed - TEST_TOOLS == {"orders-service", "dict-store"}

    where = _run(python, "-c", "import orders_core; print(orders_core.__file__)", cwd=package)
    assert str(env_dir) in where, "the tests must use the installed library, not the checkout"

    collected = _run(python, "-m", "pytest", "--collect-only", "-q", "tests", cwd=package)
    items = [ln for ln in collected.splitlines() if "::" in ln]
    assert len([ln for ln in items if "::TestDictStore::" in ln]) >= 40, collected
    # The plugin's use cases run once per store it offers (memory, SQLite).
    assert len([ln for ln in items if "test_the_plugin_wires_the_use_cases" in ln]) == 2
    report = _run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", cwd=package)
    summary = report.strip().splitlines()[-1]
    assert re.fullmatch(rf"{len(items)} passed in [0-9.]+s( \(.*\))?", summary), report


def test_the_outside_teams_store_and_tests_pass_mypy_strict(tmp_path: Path) -> None:
    package = _package(tmp_path)
    env = {**os.environ, "MYPYPATH": str(package)}
    _run(
        sys.executable, "-m", "mypy", "--strict", "--no-incremental",
        "dict_store.py", "tests/test_dict_store.py",
        cwd=package, env=env,
    )  # fmt: skip
