"""The Lambda artifact: the same inputs give the same bytes, and bytecode only when it can run."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from deploy_pulumi import artifact
from deploy_pulumi.orders_stack.functions import Artifact

RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"


def _build(folder: Path, python_version: str) -> artifact.BuildResult:
    # The project's own packages, without the wheels: no network, and still ~100 modules.
    return artifact.build(
        artifact.BuildRequest(
            python_version=python_version,
            output=folder / "code.zip",
            requirements=(),
            packages=artifact.project_packages(),
        )
    )


def test_building_twice_gives_identical_bytes_with_bytecode(tmp_path: Path) -> None:
    first = _build(tmp_path / "first", RUNNING)
    second = _build(tmp_path / "second", RUNNING)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.bytecode
    with zipfile.ZipFile(first.path) as archive:
        names = archive.namelist()
        infos = archive.infolist()
    assert names == sorted(names)
    assert f"orders_core/__pycache__/order.cpython-{RUNNING.replace('.', '')}.pyc" in names
    assert "orders_lambda/entrypoints/create_order.py" in names
    assert {(i.date_time, i.external_attr >> 16) for i in infos} == {
        (artifact.FIXED_TIME, artifact.FILE_MODE)
    }


def test_without_an_interpreter_of_the_target_version_there_is_no_bytecode_and_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = _build(tmp_path, "3.99")
    assert not result.bytecode
    with zipfile.ZipFile(result.path) as archive:
        assert not [n for n in archive.namelist() if n.endswith(".pyc")]
    assert "NO precompiled bytecode" in capsys.readouterr().err


def test_the_program_deploys_the_artifact_by_its_hash(tmp_path: Path) -> None:
    result = _build(tmp_path, "3.99")
    read = Artifact.read(result.path)
    assert read.path == result.path
    assert len(read.sha256) == 44  # base64 of a SHA-256, as Lambda's source_code_hash


def test_a_missing_artifact_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nox -s package"):
        Artifact.read(tmp_path / "missing.zip")


def test_the_runtime_requirements_are_the_lambda_extra_with_its_own_extras_expanded() -> None:
    requirements = artifact.runtime_requirements(artifact.REPOSITORY_ROOT / "pyproject.toml")
    names = {artifact.normalized(r.split(">")[0].split("=")[0].split("[")[0]) for r in requirements}
    assert {"boto3", "aws-lambda-powertools", "pydantic", "dependency-injector"} <= names
    # Not shipped: dependency-injector imports it whenever it is installed (35-40 ms of every
    # cold start), and the settings need only pydantic.
    assert "pydantic-settings" not in names
    assert "orders-service" not in names


def test_excluded_distributions_leave_nothing_behind(tmp_path: Path) -> None:
    for name, module in (("boto3", "boto3"), ("pydantic", "pydantic")):
        (tmp_path / module).mkdir()
        (tmp_path / module / "__init__.py").write_text("")
        info = tmp_path / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "RECORD").write_text(f"{module}/__init__.py,,\n{info.name}/RECORD,,\n")
    artifact.remove_distributions(tmp_path, frozenset({"boto3"}))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pydantic", "pydantic-1.0.dist-info"]


def _staged_like_a_wheel_install(root: Path) -> None:
    """A top-level module (as typing_extensions is), a package with C and Cython sources
    beside its extension (as dependency-injector ships), stale bytecode and pip's scripts."""
    (root / "top_level_module.py").write_text("VALUE = 1\n")
    package = root / "compiled_package"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for leftover in ("providers.c", "providers.pyx", "providers.pxd", "header.h"):
        (package / leftover).write_text("/* source */\n")
    (package / "providers.pyi").write_text("VALUE: int\n")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "__init__.cpython-37.pyc").write_bytes(b"stale")
    (root / "bin").mkdir()
    (root / "bin" / "tool").write_text("#!/bin/sh\n")


def test_every_module_ships_with_its_bytecode_and_no_build_leftovers(tmp_path: Path) -> None:
    root = tmp_path / "task"
    root.mkdir()
    _staged_like_a_wheel_install(root)
    artifact.copy_packages(artifact.project_packages(), root)
    artifact.prune(root)
    artifact.compile_bytecode(root, sys.executable)
    artifact.write_zip(root, tmp_path / "code.zip")
    with zipfile.ZipFile(tmp_path / "code.zip") as archive:
        names = set(archive.namelist())
    tag = f"cpython-{RUNNING.replace('.', '')}"
    modules = [n for n in names if n.endswith(".py")]
    missing = [
        n
        for n in modules
        if f"{n.rpartition('/')[0]}/__pycache__/{n.rpartition('/')[2][:-3]}.{tag}.pyc".lstrip("/")
        not in names
    ]
    assert "top_level_module.py" in modules
    assert f"__pycache__/top_level_module.{tag}.pyc" in names
    assert missing == []
    assert [n for n in names if Path(n).suffix in artifact.BUILD_LEFTOVERS] == []
    assert not [n for n in names if n.endswith(".pyc") and tag not in n]  # no stale bytecode
    assert "compiled_package/providers.pyi" in names  # type stubs are not build leftovers
    assert not [n for n in names if n.startswith("bin/")]


def test_the_local_server_and_the_cli_stay_out_of_the_zip(tmp_path: Path) -> None:
    with zipfile.ZipFile(_build(tmp_path, RUNNING).path) as archive:
        names = archive.namelist()
    assert {n.split("/", 1)[0] for n in names if n.endswith(".py")} == {
        "orders_core",
        "orders_adapters",
        "orders_lambda",
        "orders_manifest",  # the route table, error codes and metric names the functions read
    }
    assert not [n for n in names if n.startswith("orders_local/")]
