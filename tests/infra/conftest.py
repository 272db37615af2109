"""Fixtures: the whole program run once per stack against Pulumi's mocks (see
deploy_pulumi/declared.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_pulumi.declared import (
    ACCOUNT,
    CALLER_IDENTITY,
    CURSOR_KEY,
    PROGRAM,
    STACKS,
    Declared,
    Deployment,
    FakeCloud,
    RecordingMonitor,
    run_program,
    stack_config,
    tiny_artifact,
    unsecret,
)

__all__ = [
    "ACCOUNT",
    "CALLER_IDENTITY",
    "CURSOR_KEY",
    "PROGRAM",
    "STACKS",
    "Declared",
    "Deployment",
    "FakeCloud",
    "RecordingMonitor",
    "run_program",
    "stack_config",
    "tiny_artifact",
    "unsecret",
]


@pytest.fixture(scope="session")
def code_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_artifact(tmp_path_factory.mktemp("artifact"))


@pytest.fixture(scope="session", params=STACKS)
def deployment(request: pytest.FixtureRequest, code_zip: Path) -> Deployment:
    return run_program(request.param, code_zip)
