"""What another service gets from `pip install orders-service`, and the README's promises."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_installing_without_extras_brings_no_other_distribution(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    before = _installed(python)
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", str(ROOT)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    added = _installed(python) - before
    assert added == {"orders-service"}
    # The test kit of core comes with the base install, standard library only.
    probe = (
        "import orders_core, orders_core.testing, orders_adapters.sqlite, "
        "orders_adapters.memory; print('ok')"
    )
    result = subprocess.run(
        [python, "-c", probe], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    assert result.stdout.strip() == "ok"
    # The `orders` command comes with it; without the extras it says what to install.
    serve = subprocess.run(
        [env_dir / "bin" / "orders", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert serve.returncode == 1
    assert "Traceback" not in serve.stderr, serve.stderr
    assert "pip install '.[local]'" in serve.stderr


def _installed(python: Path) -> set[str]:
    listing = subprocess.run(
        [python, "-m", "pip", "list", "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return {item["name"].lower() for item in json.loads(listing.stdout)}


def test_the_readme_library_example_runs_as_written(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Using the library from another service", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the README has a python example"
    result = subprocess.run(
        [sys.executable, "-c", match.group(1)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.stdout.strip() == "['PAID']"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(
        line.strip()
        for line in readme.splitlines()
        if line.strip().endswith("nox -s ci") and not line.startswith("#")
    )
    assert command in ci
