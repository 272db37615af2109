"""Build the Lambda code as a reproducible zip: same inputs, same bytes.

The zip holds the project's packages (from ``src/``) and the ``lambda`` extra's dependencies
as wheels for the target platform (arm64, the stack's Python version), with sorted entries,
one fixed timestamp and fixed permissions. Bytecode is precompiled (unchecked-hash pycs, so
the stamps do not depend on file times) only with an interpreter of the target version: a pyc
from any other version would be ignored by the runtime at best. Without one, the zip is built
without bytecode and a warning says so.

The AWS SDK (boto3, botocore, s3transfer and the packages only they need) is left out by
default: the Lambda Python runtime ships it, and it is most of the size (see
docs/benchmarks.md); ``--with-sdk`` bundles it, to pin its version.

Run it through ``nox -s package`` (or ``python -m deploy_pulumi.artifact --help``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

REPOSITORY_ROOT: Final = Path(__file__).resolve().parents[1]
ARCHITECTURE: Final = "arm64"
# Every third-party version, pinned: the zip's wheels and the deploy environment both install
# from it, so a rebuild of a commit months later gets the same bytes. Regenerate it with
# `uv pip compile pyproject.toml --extra deploy --universal --python-version 3.11
# --no-header --annotation-style line -o deploy_pulumi/requirements.lock`.
LOCK_FILE: Final = REPOSITORY_ROOT / "deploy_pulumi" / "requirements.lock"
PLATFORM: Final = "manylinux2014_aarch64"
# The AWS SDK and what only it needs (jmespath stays: Powertools needs it too).
SDK_DISTRIBUTIONS: Final = frozenset(
    {"boto3", "botocore", "s3transfer", "python-dateutil", "six", "urllib3"}
)
# Zip timestamps cannot go below 1980; any fixed value makes the bytes stable.
FIXED_TIME: Final = (1980, 1, 1, 0, 0, 0)
FILE_MODE: Final = 0o100644  # a regular file, readable by the runtime's user
UNIX: Final = 3
# Where Lambda unpacks the code; compiled code objects name their source files under it.
TASK_ROOT: Final = "/var/task"
# pip's console scripts: nothing in Lambda runs them.
SKIPPED_TOP_LEVEL: Final = frozenset({"bin"})
# What a wheel may carry that no import reads: C and Cython sources and headers
# (dependency-injector alone ships about 11.8 MB of them).
BUILD_LEFTOVERS: Final = frozenset({".c", ".cpp", ".h", ".pyx", ".pxd", ".pxi"})
_REQUIREMENT_NAME: Final = re.compile(r"[A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class BuildRequest:
    python_version: str
    output: Path
    requirements: tuple[str, ...]
    packages: tuple[Path, ...]
    excluded: frozenset[str] = SDK_DISTRIBUTIONS
    interpreter: str | None = None  # one of python_version, to compile the bytecode with


@dataclass(frozen=True, slots=True)
class BuildResult:
    path: Path
    size: int
    sha256: str
    entries: int
    bytecode: bool


def default_artifact_path(python_version: str) -> Path:
    """Where ``nox -s package`` writes the Lambda code for a runtime version."""
    return (
        REPOSITORY_ROOT / "build" / "lambda" / f"orders-python{python_version}-{ARCHITECTURE}.zip"
    )


def stack_python_version(stack: str) -> str:
    """The runtime version a stack deploys, from its ``Pulumi.<stack>.yaml``."""
    import yaml  # noqa: PLC0415 - only this option needs it

    path = REPOSITORY_ROOT / "deploy_pulumi" / f"Pulumi.{stack}.yaml"
    config = yaml.safe_load(path.read_text("utf-8"))["config"]
    return str(config["orders-service:pythonVersion"])


def normalized(name: str) -> str:
    """A distribution name as the package index compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements(pyproject: Path, extra: str = "lambda") -> tuple[str, ...]:
    """The requirements of ``extra``, with the project's references to its own extras expanded."""
    project = tomllib.loads(pyproject.read_text("utf-8"))["project"]
    extras: dict[str, list[str]] = project["optional-dependencies"]
    own = normalized(project["name"])
    found: list[str] = []

    def expand(name: str) -> None:
        for requirement in extras[name]:
            match = re.fullmatch(rf"{_REQUIREMENT_NAME.pattern}\[(.+)\]", requirement)
            head = _REQUIREMENT_NAME.match(requirement)
            if match and head and normalized(head.group()) == own:
                for inner in match.group(1).split(","):
                    expand(inner.strip())
            elif requirement not in found:
                found.append(requirement)

    expand(extra)
    return tuple(found)


# The local server, the CLI and the local event tools never run in Lambda.
LOCAL_ONLY_PACKAGES: Final = frozenset({"orders_local"})


def project_packages(source: Path = REPOSITORY_ROOT / "src") -> tuple[Path, ...]:
    """The import packages the functions run (folders of ``src`` with an ``__init__.py``),
    without the local-only ones."""
    return tuple(
        sorted(
            p.parent
            for p in source.glob("*/__init__.py")
            if p.parent.name not in LOCAL_ONLY_PACKAGES
        )
    )


def install_wheels(requirements: Sequence[str], target: Path, python_version: str) -> None:
    """Install ``requirements`` into ``target`` from wheels built for the Lambda platform."""
    if not requirements:
        return
    subprocess.run(  # noqa: S603 - fixed arguments, our own requirement strings
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            str(target),
            "--platform",
            PLATFORM,
            "--implementation",
            "cp",
            "--python-version",
            python_version,
            "--only-binary=:all:",
            "--no-compile",
            "--no-warn-conflicts",
            "--constraint",
            str(LOCK_FILE),
            *requirements,
        ],
        check=True,
    )


def remove_distributions(target: Path, names: frozenset[str]) -> None:
    """Delete every file an installed distribution in ``names`` recorded, and its metadata."""
    wanted = {normalized(n) for n in names}
    for info in sorted(target.glob("*.dist-info")):
        if normalized(info.name.split("-")[0]) not in wanted:
            continue
        for line in (info / "RECORD").read_text("utf-8").splitlines():
            relative = line.split(",")[0]
            path = (target / relative).resolve()
            if relative and path.is_relative_to(target.resolve()) and path.is_file():
                path.unlink()
        shutil.rmtree(info, ignore_errors=True)
    for folder in sorted(target.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def copy_packages(packages: Sequence[Path], target: Path) -> None:
    for package in packages:
        shutil.copytree(
            package,
            target / package.name,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )


def _output(command: Sequence[str]) -> str:
    """What a helper command prints, or "" when it fails."""
    result = subprocess.run(  # noqa: S603 - interpreters and pyenv, with fixed arguments
        command, capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else ""


def _pyenv_interpreter(python_version: str) -> str | None:
    """pyenv's newest install of ``python_version``, active or not."""
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    latest, root = _output([pyenv, "latest", python_version]), _output([pyenv, "root"])
    path = Path(root) / "versions" / latest / "bin" / f"python{python_version}"
    return str(path) if latest and root and path.is_file() else None


def matching_interpreter(python_version: str, candidate: str | None = None) -> str | None:
    """An interpreter of exactly ``python_version``: ``candidate`` when given, else this one,
    ``python<version>`` on PATH or pyenv's install of that version."""
    if candidate is None and f"{sys.version_info.major}.{sys.version_info.minor}" == python_version:
        return sys.executable
    options: list[str | None] = (
        [candidate] if candidate else [shutil.which(f"python{python_version}")]
    )
    if candidate is None:
        options.append(_pyenv_interpreter(python_version))
    # A PATH entry may be a version manager's shim that fails for an inactive version: ask.
    version_of = "import sys; print('%d.%d' % sys.version_info[:2])"
    return next(
        (
            found
            for found in options
            if found and _output([found, "-c", version_of]) == python_version
        ),
        None,
    )


def compile_bytecode(root: Path, interpreter: str) -> None:
    """Precompile every module under ``root`` the way the runtime would find them."""
    subprocess.run(  # noqa: S603 - a checked interpreter and fixed arguments
        [
            interpreter,
            "-m",
            "compileall",
            "-q",
            "-q",
            "--invalidation-mode",
            "unchecked-hash",
            "-d",
            TASK_ROOT,
            str(root),
        ],
        check=True,
        # Set and frozenset constants are marshalled in hash order; fix the hash seed.
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )


def prune(root: Path) -> None:
    """Remove build leftovers and any bytecode not compiled here (a wheel's, or another
    interpreter's), so what is compiled next is all the bytecode the zip carries."""
    found = list(root.rglob("*"))
    for path in found:
        if path.is_file() and path.suffix in BUILD_LEFTOVERS:
            path.unlink()
    for path in found:
        if path.is_dir() and path.name == "__pycache__":
            shutil.rmtree(path)


def _files(root: Path) -> Iterator[tuple[str, Path]]:
    # Every __pycache__ is kept, the top level's too: top-level modules (typing_extensions)
    # have their bytecode there, and without it every cold start compiles them.
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if path.is_file() and not SKIPPED_TOP_LEVEL.intersection(relative.parts[:1]):
            yield relative.as_posix(), path


def write_zip(root: Path, output: Path) -> int:
    """Zip ``root`` deterministically; returns the number of entries."""
    output.parent.mkdir(parents=True, exist_ok=True)
    entries = sorted(_files(root))
    partial = output.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name, path in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.create_system = UNIX
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    partial.replace(output)
    return len(entries)


def build(request: BuildRequest) -> BuildResult:
    """Stage, compile (when possible) and zip; the staging folder is always removed."""
    interpreter = matching_interpreter(request.python_version, request.interpreter)
    with tempfile.TemporaryDirectory(prefix="orders-artifact-") as staging:
        root = Path(staging) / "task"
        root.mkdir()
        install_wheels(request.requirements, root, request.python_version)
        remove_distributions(root, request.excluded)
        copy_packages(request.packages, root)
        prune(root)
        if interpreter is None:
            print(  # noqa: T201 - a build tool's warning belongs on the console
                f"\n*** WARNING: no Python {request.python_version} interpreter here, so the"
                f" artifact has NO precompiled bytecode.\n*** Lambda will compile every module"
                f" on each cold start. Build on a machine with python{request.python_version}"
                " for the full artifact.\n",
                file=sys.stderr,
            )
        else:
            compile_bytecode(root, interpreter)
        entries = write_zip(root, request.output)
    data = request.output.read_bytes()
    return BuildResult(
        path=request.output,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        entries=entries,
        bytecode=interpreter is not None,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--stack", default="dev", help="take the runtime version from its settings")
    parser.add_argument("--python-version", help="the runtime's, e.g. 3.13 (overrides --stack)")
    parser.add_argument("--interpreter", help="a python of that version, for the bytecode")
    parser.add_argument("--output", type=Path, help="default: build/lambda/<runtime>-arm64.zip")
    parser.add_argument(
        "--with-sdk", action="store_true", help="bundle boto3 and botocore instead of the runtime's"
    )
    args = parser.parse_args(argv)
    version: str = args.python_version or stack_python_version(args.stack)
    result = build(
        BuildRequest(
            python_version=version,
            output=args.output or default_artifact_path(version),
            interpreter=args.interpreter,
            requirements=runtime_requirements(REPOSITORY_ROOT / "pyproject.toml"),
            packages=project_packages(),
            excluded=frozenset() if args.with_sdk else SDK_DISTRIBUTIONS,
        )
    )
    print(  # noqa: T201
        f"{result.path}: {result.size} bytes, {result.entries} entries, sha256 {result.sha256},"
        f" bytecode {'yes' if result.bytecode else 'NO'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
