"""Both state machines pass a third-party Amazon States Language validator.

The validator is the npm package ``asl-validator``, pinned with its whole dependency tree in
tests/workflow/asl/package.json and package-lock.json. The test installs it with ``npm ci``
into a cache directory keyed by the lock file's hash, so a second run (and CI with the cache
kept) installs nothing. Node.js and npm come from the machine; where they are missing the
test installs Debian's ``nodejs`` and ``npm`` with apt-get (as root, as on CI and the
developer machines), and fails saying why where it cannot.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.debian import apt_install
from tests.workflow.definitions import rendered

pytestmark = pytest.mark.slow

ASL_DIR = Path(__file__).parent / "asl"
INSTALL_TIMEOUT = 900
VALIDATE_TIMEOUT = 120


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "orders-service"


@pytest.fixture(scope="session")
def asl_validator() -> Path:
    """The validator's executable, installed from the committed lock file."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        reason = apt_install("nodejs", "npm")
        if reason is not None:
            pytest.fail(f"Node.js and npm are missing and cannot be installed: {reason}")
    npm = shutil.which("npm")
    assert npm is not None
    lock = (ASL_DIR / "package-lock.json").read_bytes()
    digest = hashlib.sha256(lock + (ASL_DIR / "package.json").read_bytes()).hexdigest()[:16]
    target = _cache_root() / f"asl-validator-{digest}"
    executable = target / "node_modules" / ".bin" / "asl-validator"
    if not executable.exists():
        staging = target.with_name(f"{target.name}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(ASL_DIR / name, staging / name)
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix", str(staging)],
            capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"npm ci failed: {done.stderr[-2000:]}"
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)  # whole or not at all: an interrupted install is not reused
    assert executable.exists()
    return executable


def _validate(validator: Path, definitions: dict[str, object], tmp_path: Path) -> tuple[int, str]:
    arguments: list[str] = []
    for name, definition in definitions.items():
        path = tmp_path / name
        path.write_text(json.dumps(definition), encoding="utf-8")
        arguments += ["--json-path", str(path)]
    done = subprocess.run(
        [str(validator), *arguments],
        capture_output=True, text=True, timeout=VALIDATE_TIMEOUT, check=False,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def test_both_state_machines_are_valid_amazon_states_language(
    asl_validator: Path, tmp_path: Path
) -> None:
    code, output = _validate(asl_validator, dict(rendered()), tmp_path)
    assert code == 0, output
    assert output.count("is valid") == 2, output


def test_the_validator_refuses_a_broken_definition(asl_validator: Path, tmp_path: Path) -> None:
    broken = copy.deepcopy(rendered()["deadline.json"])
    del broken["States"]["WaitForDeadline"]["TimestampPath"]  # a Wait with nothing to wait on
    broken["States"]["StillPending"]["Default"] = "Nowhere"
    code, output = _validate(asl_validator, {"broken.json": broken}, tmp_path)
    assert code != 0
    assert "WAIT_DURATION" in output, output
    assert "MISSING_TRANSITION_TARGET" in output, output
