"""The payment deadline through the flags port: a ``payment_deadline_minutes`` flag in the
flags document sets new orders' deadline; without it, or when the document cannot be used,
the default of 30 minutes applies and placing orders keeps working."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from orders_adapters.appconfig import (
    InvalidFlagsDocument,
    default_flags_document,
    file_pricing,
    validate_flags_document,
)
from orders_core import DEFAULT_PAYMENT_DEADLINE, MAX_PAYMENT_DEADLINE
from orders_manifest.flags import MAX_DEADLINE_MINUTES, PAYMENT_DEADLINE


def _deadline(minutes: object, **rest: Any) -> dict[str, Any]:
    return {PAYMENT_DEADLINE: {"boolean_type": False, "default": minutes, **rest}}


def _window(tmp_path: Path, document: object) -> tuple[timedelta, int]:
    path = tmp_path / "flags.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    policy = file_pricing(path)
    return policy.payment_window(), policy.failures


def test_the_flag_sets_the_deadline_in_minutes(tmp_path: Path) -> None:
    document = {**default_flags_document(), **_deadline(45)}
    assert _window(tmp_path, document) == (timedelta(minutes=45), 0)


def test_without_the_flag_the_deadline_is_the_default(tmp_path: Path) -> None:
    assert _window(tmp_path, default_flags_document()) == (DEFAULT_PAYMENT_DEADLINE, 0)


def test_an_unreadable_or_invalid_document_gives_the_default_and_counts_a_failure(
    tmp_path: Path,
) -> None:
    assert _window(tmp_path, _deadline(0)) == (DEFAULT_PAYMENT_DEADLINE, 1)
    policy = file_pricing(tmp_path / "missing.json")
    assert policy.payment_window() == DEFAULT_PAYMENT_DEADLINE
    assert policy.failures == 1


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (_deadline(0), "1 to 43200 minutes"),
        (_deadline(43201), "1 to 43200 minutes"),
        (_deadline(2.5), "whole number of minutes"),
        (_deadline(minutes=True), "whole number of minutes"),
        ({PAYMENT_DEADLINE: {"boolean_type": True, "default": True}}, "boolean_type"),
        (
            _deadline(
                10,
                rules={
                    "premium": {
                        "when_match": 60,
                        "conditions": [{"action": "EQUALS", "key": "tier", "value": "premium"}],
                    }
                },
            ),
            "time keys only",
        ),
    ],
)
def test_a_bad_deadline_flag_makes_the_document_invalid(document: object, problem: str) -> None:
    with pytest.raises(InvalidFlagsDocument, match=problem):
        validate_flags_document(document)


def test_the_manifests_bound_is_cores_longest_deadline() -> None:
    assert timedelta(minutes=MAX_DEADLINE_MINUTES) == MAX_PAYMENT_DEADLINE
