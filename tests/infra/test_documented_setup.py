"""The deploy environment made exactly as docs/deploy.md says works with Pulumi's toolchain,
and every third-party version it and the Lambda zip get comes from the one lock file."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from deploy_pulumi import artifact
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .harness import PROGRAM

REPOSITORY = artifact.REPOSITORY_ROOT
DOCS = REPOSITORY / "docs" / "deploy.md"
# The two commands docs/deploy.md gives, word for word (the test checks they are there).
CREATE = "python3 -m venv .venv"
INSTALL = ".venv/bin/pip install -c deploy_pulumi/requirements.lock -e '.[deploy]'"
# What Pulumi's pip toolchain runs in the virtualenv to find the plugins (pulumi-aws's).
DISCOVERY = ("-m", "pip", "list", "--format", "json")
_RUN_ONE_STACK = """
import sys
sys.path.insert(0, {repository!r})
from pathlib import Path
import tempfile
from tests.infra.harness import run_program, tiny_artifact
deployment = run_program("dev", tiny_artifact(Path(tempfile.mkdtemp())))
print(len(deployment.resources))
"""


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in artifact.LOCK_FILE.read_text().splitlines():
        requirement = line.partition("#")[0].strip()
        if requirement:
            name, _, version = requirement.partition("==")
            assert version, f"not pinned: {line}"
            assert canonicalize_name(name) not in pins, f"pinned twice: {name}"
            pins[canonicalize_name(name)] = version
    return pins


def test_pulumi_runs_the_program_in_the_documented_virtualenv_with_the_pip_toolchain() -> None:
    runtime = yaml.safe_load((PROGRAM / "Pulumi.yaml").read_text())["runtime"]
    assert runtime["options"] == {"toolchain": "pip", "virtualenv": "../.venv"}
    documented = DOCS.read_text()
    assert CREATE in documented
    assert INSTALL in documented


def test_every_requirement_of_the_deploy_extra_is_pinned_within_its_range() -> None:
    pins = _pins()
    for text in artifact.runtime_requirements(REPOSITORY / "pyproject.toml", "deploy"):
        requirement = Requirement(text)
        version = pins.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is not in the lock file"
        assert requirement.specifier.contains(version), f"{requirement.name}=={version}"


def test_the_deploy_extra_admits_no_pulumi_aws_older_than_the_one_tested() -> None:
    (text,) = [
        r
        for r in artifact.runtime_requirements(REPOSITORY / "pyproject.toml", "deploy")
        if r.startswith("pulumi-aws")
    ]
    allowed = Requirement(text).specifier
    assert not allowed.contains("6.83.0")
    assert not allowed.contains("7.0.0")
    assert allowed.contains(_pins()["pulumi-aws"])


def test_the_lambda_zip_is_built_from_the_lock_file(monkeypatch: pytest.MonkeyPatch) -> None:
    commands: list[list[str]] = []

    def record(command: list[str], **_: object) -> None:
        commands.append(command)

    monkeypatch.setattr(subprocess, "run", record)
    artifact.install_wheels(["pydantic>=2.6"], Path("unused"), "3.13")
    (command,) = commands
    assert command[command.index("--constraint") + 1] == str(artifact.LOCK_FILE)


@pytest.mark.slow
def test_the_documented_setup_passes_discovery_and_runs_the_program(tmp_path: Path) -> None:
    venv = tmp_path / ".venv"
    # The docs' commands, run from the repository root, with the venv put in a scratch folder.
    subprocess.run([sys.executable, *CREATE.split()[1:-1], str(venv)], check=True, cwd=REPOSITORY)
    install = INSTALL.replace(".venv/bin/pip", str(venv / "bin" / "pip"))
    subprocess.run(
        [*re.sub(r"'(.+)'", r"\1", install).split(), "--quiet"],
        check=True,
        cwd=REPOSITORY,
        timeout=900,
    )
    python = str(venv / "bin" / "python")
    listed = subprocess.run(
        [python, *DISCOVERY], check=True, capture_output=True, text=True, cwd=PROGRAM
    )
    listing = json.loads(listed.stdout)
    versions: dict[str, str] = {str(canonicalize_name(p["name"])): p["version"] for p in listing}
    pins = _pins()
    assert versions["pulumi-aws"] == pins["pulumi-aws"]
    assert versions["pulumi"] == pins["pulumi"]
    # The dev tools are not in it: the deploy extra alone is enough for the program.
    assert "pytest" not in versions
    ran = subprocess.run(
        [python, "-c", _RUN_ONE_STACK.format(repository=str(REPOSITORY))],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        timeout=300,
    )
    assert int(ran.stdout.strip().splitlines()[-1]) > 100
