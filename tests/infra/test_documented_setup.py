"""The deploy environment made exactly as docs/deploy.md says works with Pulumi's toolchain,
and every third-party version it and the Lambda zip get comes from the one lock file."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from deploy_pulumi import artifact
from deploy_pulumi.declared import PROGRAM
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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
from deploy_pulumi.declared import run_program, tiny_artifact
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


# Third-party packages of the runtime: none of them is in a deploy-only environment, and the
# program loads none of them (nor any runtime package of the project).
RUNTIME_ONLY = ("pydantic", "pydantic-settings", "boto3", "botocore", "aws-lambda-powertools",
                "dependency-injector")  # fmt: skip
_RUN_EVERY_STACK = """
import sys
sys.path.insert(0, {repository!r})
from pathlib import Path
import tempfile
from deploy_pulumi.declared import STACKS, run_program, tiny_artifact
code = tiny_artifact(Path(tempfile.mkdtemp()))
for stack in STACKS:
    print(stack, len(run_program(stack, code).resources))
runtime = ("pydantic", "boto3", "botocore", "aws_lambda_powertools", "dependency_injector",
           "orders_core", "orders_adapters", "orders_lambda", "orders_local")
print(sorted(m for m in sys.modules if m.split(".")[0] in runtime))
"""


@pytest.fixture(scope="session")
def deploy_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv made as docs/deploy.md says: ``python3 -m venv``, then the deploy extra
    under the lock file. Installed with uv when it is on PATH (its cache makes this seconds;
    pip would fetch the same pinned set again each run), else with the documented pip."""
    venv = tmp_path_factory.mktemp("deploy") / ".venv"
    subprocess.run([sys.executable, *CREATE.split()[1:-1], str(venv)], check=True, cwd=REPOSITORY)
    requirement = re.sub(r"'(.+)'", r"\1", INSTALL).split()[2:]  # -c LOCK -e .[deploy]
    uv = shutil.which("uv")
    installer = (
        [uv, "pip", "install", "--python", str(venv / "bin" / "python")]
        if uv
        else [str(venv / "bin" / "pip"), "install"]
    )
    subprocess.run([*installer, *requirement, "--quiet"], check=True, cwd=REPOSITORY, timeout=600)
    return venv


@pytest.mark.slow
def test_the_deploy_only_virtualenv_passes_pulumis_discovery(deploy_venv: Path) -> None:
    python = str(deploy_venv / "bin" / "python")
    listed = subprocess.run(
        [python, *DISCOVERY], check=True, capture_output=True, text=True, cwd=PROGRAM
    )
    listing = json.loads(listed.stdout)
    versions: dict[str, str] = {str(canonicalize_name(p["name"])): p["version"] for p in listing}
    pins = _pins()
    assert versions["pulumi-aws"] == pins["pulumi-aws"]
    assert versions["pulumi"] == pins["pulumi"]
    # Neither the dev tools nor the runtime's dependencies: the deploy extra alone.
    assert "pytest" not in versions
    assert [name for name in RUNTIME_ONLY if name in versions] == []


@pytest.mark.slow
def test_the_deploy_only_virtualenv_runs_every_stack_without_the_runtime(
    deploy_venv: Path,
) -> None:
    ran = subprocess.run(
        [
            str(deploy_venv / "bin" / "python"),
            "-c",
            _RUN_EVERY_STACK.format(repository=str(REPOSITORY)),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        timeout=120,
    )
    *counts, loaded = ran.stdout.strip().splitlines()
    assert [line.split()[0] for line in counts] == ["dev", "staging", "prod"]
    assert all(int(line.split()[1]) > 100 for line in counts)
    assert loaded == "[]", f"the program loaded runtime modules: {loaded}"


@pytest.mark.slow
def test_the_deploy_only_virtualenv_can_build_the_artifact(deploy_venv: Path) -> None:
    # The build installs the functions' wheels with this interpreter's pip (Lambda's
    # platform, --target) and copies the project's packages; it needs nothing else of it.
    python = str(deploy_venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "--version"], check=True, capture_output=True)
    helped = subprocess.run(
        [python, "-m", "deploy_pulumi.artifact", "--help"],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
    )
    assert "--python-version" in helped.stdout
