"""The flags document schema, the file store and the file-backed pricing policy."""

from __future__ import annotations

import json
import logging
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orders_adapters.appconfig import (
    InvalidFlagsDocument,
    default_flags_document,
    file_pricing,
    read_flags_file,
    validate_flags_document,
)
from orders_core import CustomerTier, Discount, Money, Principal
from orders_manifest.flags import CAMPAIGN_DISCOUNT, PREMIUM_DISCOUNT

SUBTOTAL = Money.of("100.00", "EUR")
PREMIUM = Principal.customer("customer-1", CustomerTier.PREMIUM)
STANDARD = Principal.customer("customer-2")


def flags(
    *, premium: object = False, campaign: object = False, **premium_rule: Any
) -> dict[str, Any]:
    """A document whose flags have the given defaults; ``premium_rule`` adds one rule."""
    document: dict[str, Any] = {
        PREMIUM_DISCOUNT: {"boolean_type": False, "default": premium},
        CAMPAIGN_DISCOUNT: {"boolean_type": False, "default": campaign},
    }
    if premium_rule:
        document[PREMIUM_DISCOUNT]["rules"] = {"the rule": premium_rule}
    return document


def tier_rule(value: object, when_match: object = 10, key: str = "tier") -> dict[str, Any]:
    return {
        "when_match": when_match,
        "conditions": [{"action": "EQUALS", "key": key, "value": value}],
    }


@pytest.mark.parametrize(
    "document",
    [
        default_flags_document(),
        {},
        flags(),
        flags(premium=100, campaign=0.01),
        flags(campaign=12.5),
        flags(campaign={"enabled": False, "percent": 33.33}),
        flags(**tier_rule(["premium", "standard"])),
        flags(**tier_rule("staff", key="role")),
        {"other_feature": {"default": True}},
        flags(
            when_match=5,
            conditions=[
                {
                    "action": "SCHEDULE_BETWEEN_DAYS_OF_WEEK",
                    "key": "CURRENT_DAY_OF_WEEK",
                    "value": {"DAYS": ["SATURDAY", "SUNDAY"]},
                }
            ],
        ),
    ],
)
def test_a_well_formed_document_is_accepted_unchanged(document: dict[str, Any]) -> None:
    assert validate_flags_document(document) is document


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ([], "JSON object"),
        (flags(premium=0), "above 0"),
        (flags(premium=-5), "above 0"),
        (flags(premium=100.01), "at most 100"),
        (flags(premium=12.345), "2 decimals"),
        (flags(premium=float("nan")), "above 0"),
        (flags(premium="10"), "JSON number"),
        (flags(premium=True), "JSON number"),
        (flags(campaign={"enabled": "yes", "percent": 5}), "enabled"),
        (flags(campaign={"enabled": True}), "enabled"),
        (flags(campaign={"enabled": True, "percent": 500}), "at most 100"),
        ({PREMIUM_DISCOUNT: {"default": False}}, "boolean_type"),
        (flags(**tier_rule("gold")), "tier is one of premium, standard"),
        (flags(**tier_rule("premium", key="customer_tier")), "'customer_tier' is not known"),
        (flags(**tier_rule("premium", when_match=150)), "when_match"),
        (flags(when_match=5), "condition"),
        ({PREMIUM_DISCOUNT: {"boolean_type": False}}, "default"),
    ],
)
def test_a_malformed_document_is_rejected_with_the_reason(document: object, complaint: str) -> None:
    with pytest.raises(InvalidFlagsDocument, match=complaint):
        validate_flags_document(document)


def test_percents_keep_the_figure_written_not_the_float(tmp_path: Path) -> None:
    path = write(tmp_path / "flags.json", flags(campaign=33.33))
    policy = file_pricing(path)
    [discount] = policy.discounts_for(STANDARD, SUBTOTAL)
    assert discount == Discount("campaign", Decimal("33.33"))
    assert discount.percent.as_tuple() == Decimal("33.33").as_tuple()


def test_the_default_document_gives_premium_customers_ten_percent(tmp_path: Path) -> None:
    policy = file_pricing(write(tmp_path / "flags.json", default_flags_document()))
    assert policy.discounts_for(PREMIUM, SUBTOTAL) == (Discount("premium", Decimal(10)),)
    assert policy.discounts_for(STANDARD, SUBTOTAL) == ()
    assert policy.failures == 0


def test_default_flags_document_is_a_fresh_copy_each_time() -> None:
    first = default_flags_document()
    first[PREMIUM_DISCOUNT]["default"] = 50
    assert default_flags_document()[PREMIUM_DISCOUNT]["default"] is False


def test_read_flags_file_returns_the_validated_document(tmp_path: Path) -> None:
    path = write(tmp_path / "flags.json", default_flags_document())
    assert read_flags_file(path) == default_flags_document()


@pytest.mark.parametrize(
    ("content", "complaint"),
    [(b"{not json", "cannot read flags file"), (b'{"premium_discount": 1}', "premium_discount")],
)
def test_read_flags_file_rejects_a_bad_file(tmp_path: Path, content: bytes, complaint: str) -> None:
    path = tmp_path / "flags.json"
    path.write_bytes(content)
    with pytest.raises(InvalidFlagsDocument, match=complaint):
        read_flags_file(path)


def test_read_flags_file_rejects_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidFlagsDocument, match="cannot read flags file"):
        read_flags_file(tmp_path / "absent.json")


def test_an_edited_file_applies_without_a_restart(tmp_path: Path) -> None:
    path = write(tmp_path / "flags.json", flags())
    policy = file_pricing(path)
    assert policy.discounts_for(STANDARD, SUBTOTAL) == ()

    write(path, flags(campaign={"enabled": True, "percent": 15}))
    bump_mtime(path)

    assert policy.discounts_for(STANDARD, SUBTOTAL) == (Discount("campaign", Decimal(15)),)


def test_a_missing_file_means_no_discount_logged_and_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reasons: list[str] = []
    policy = file_pricing(tmp_path / "absent.json", on_failure=reasons.append)
    with caplog.at_level(logging.WARNING):
        assert policy.discounts_for(PREMIUM, SUBTOTAL) == ()
    assert policy.failures == 1
    assert reasons == ["unavailable"]
    assert "feature flags unavailable" in caplog.text


def test_an_invalid_file_is_reported_once_until_it_changes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path / "flags.json", flags(premium=250))
    reasons: list[str] = []
    policy = file_pricing(path, on_failure=reasons.append)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert policy.discounts_for(PREMIUM, SUBTOTAL) == ()
    assert reasons == ["invalid"]
    assert "feature flags invalid" in caplog.text

    write(path, flags(premium=20))
    bump_mtime(path)
    assert policy.discounts_for(PREMIUM, SUBTOTAL) == (Discount("premium", Decimal(20)),)
    assert policy.failures == 1


def test_a_failing_metric_callback_does_not_break_pricing(tmp_path: Path) -> None:
    def broken(reason: str) -> None:
        raise RuntimeError(reason)

    policy = file_pricing(tmp_path / "absent.json", on_failure=broken)
    assert policy.discounts_for(PREMIUM, SUBTOTAL) == ()
    assert policy.failures == 1


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def bump_mtime(path: Path) -> None:
    """Make the change visible even where the clock is coarser than two quick writes."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
