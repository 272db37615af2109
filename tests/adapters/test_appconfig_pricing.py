"""The AppConfig-backed pricing policy on a real appconfigdata client with botocore's Stubber
(moto has no AppConfigData API)."""

from __future__ import annotations

import io
import json
import logging
import socket
import time
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from orders_adapters.appconfig import (
    FeatureFlagsPricing,
    appconfig_pricing,
    default_flags_document,
    make_appconfig_client,
)
from orders_core import CustomerTier, Discount, Money, Principal
from tests.adapters.test_flags_document import flags
from tests.support.moto_server import AWS_TEST_ENVIRONMENT

if TYPE_CHECKING:
    from mypy_boto3_appconfigdata import AppConfigDataClient

SUBTOTAL = Money.of("100.00", "EUR")
PREMIUM = Principal.customer("customer-1", CustomerTier.PREMIUM)
STANDARD = Principal.customer("customer-2")
STAFF = Principal.staff("staff-1")
# Stubber answers every call, so nothing is sent; dummy values keep botocore from looking further.
DUMMY_KEY = "testing"
SESSION = {
    "ApplicationIdentifier": "orders",
    "EnvironmentIdentifier": "test",
    "ConfigurationProfileIdentifier": "flags",
}


class AppConfig:
    """A stubbed appconfigdata client that counts the calls made to it."""

    def __init__(self) -> None:
        session = boto3.session.Session(DUMMY_KEY, DUMMY_KEY, region_name="eu-west-1")
        self.client: AppConfigDataClient = session.client("appconfigdata")
        self.stubber = Stubber(self.client)
        self.calls: list[str] = []
        self.client.meta.events.register("before-parameter-build.appconfigdata.*", self._count)
        self._tokens = 0

    def _count(self, model: Any, **kwargs: Any) -> None:
        self.calls.append(model.name)

    def starts_session(self) -> None:
        self._tokens += 1
        self.stubber.add_response(
            "start_configuration_session",
            {"InitialConfigurationToken": self._token()},
            SESSION,
        )

    def serves(self, document: object) -> None:
        self.serves_bytes(json.dumps(document).encode())

    def serves_bytes(self, body: bytes) -> None:
        token = self._token()
        self._tokens += 1
        self.stubber.add_response(
            "get_latest_configuration",
            {
                "Configuration": StreamingBody(io.BytesIO(body), len(body)),
                "NextPollConfigurationToken": self._token(),
                "NextPollIntervalInSeconds": 60,
                "ContentType": "application/json",
            },
            {"ConfigurationToken": token},
        )

    def fails(self, code: str, status: int = 500) -> None:
        self.stubber.add_client_error(
            "get_latest_configuration", service_error_code=code, http_status_code=status
        )

    def pricing(self, **options: Any) -> FeatureFlagsPricing:
        return appconfig_pricing(
            self.client, application="orders", environment="test", profile="flags", **options
        )

    def _token(self) -> str:
        return f"token-{self._tokens}"


@pytest.fixture
def appconfig() -> Iterator[AppConfig]:
    stubbed = AppConfig()
    with stubbed.stubber:
        yield stubbed
        stubbed.stubber.assert_no_pending_responses()


def test_a_premium_customer_gets_the_premium_discount(appconfig: AppConfig) -> None:
    appconfig.starts_session()
    appconfig.serves(default_flags_document())
    policy = appconfig.pricing()

    assert policy.discounts_for(PREMIUM, SUBTOTAL) == (Discount("premium", Decimal(10)),)
    assert policy.discounts_for(STANDARD, SUBTOTAL) == ()
    assert policy.discounts_for(STAFF, SUBTOTAL) == ()
    assert policy.failures == 0


def test_a_campaign_applies_to_everyone(appconfig: AppConfig) -> None:
    appconfig.starts_session()
    appconfig.serves(flags(campaign={"enabled": True, "percent": 7.5}))
    policy = appconfig.pricing()

    campaign = (Discount("campaign", Decimal("7.5")),)
    for principal in (PREMIUM, STANDARD, STAFF):
        assert policy.discounts_for(principal, SUBTOTAL) == campaign


def test_a_premium_customer_gets_both_discounts_during_a_campaign(appconfig: AppConfig) -> None:
    document = default_flags_document()
    document["campaign_discount"]["default"]["enabled"] = True
    appconfig.starts_session()
    appconfig.serves(document)
    policy = appconfig.pricing()

    assert policy.discounts_for(PREMIUM, SUBTOTAL) == (
        Discount("premium", Decimal(10)),
        Discount("campaign", Decimal(5)),
    )
    assert policy.discounts_for(STANDARD, SUBTOTAL) == (Discount("campaign", Decimal(5)),)


@pytest.mark.parametrize(
    "document",
    [
        flags(),
        flags(campaign={"enabled": False, "percent": 5}),
        {},
        {"unrelated": {"default": True}},
    ],
)
def test_flags_that_are_off_or_absent_give_no_discount(
    appconfig: AppConfig, document: dict[str, Any]
) -> None:
    appconfig.starts_session()
    appconfig.serves(document)
    policy = appconfig.pricing()

    assert policy.discounts_for(PREMIUM, SUBTOTAL) == ()
    assert policy.failures == 0


def test_within_max_age_appconfig_is_not_asked_again(appconfig: AppConfig) -> None:
    appconfig.starts_session()
    appconfig.serves(default_flags_document())
    policy = appconfig.pricing(max_age=300)

    for _ in range(5):
        policy.discounts_for(PREMIUM, SUBTOTAL)

    assert appconfig.calls == ["StartConfigurationSession", "GetLatestConfiguration"]


def test_after_max_age_the_next_poll_uses_the_session_token(appconfig: AppConfig) -> None:
    appconfig.starts_session()
    appconfig.serves(flags())
    appconfig.serves(flags(campaign=20))
    policy = appconfig.pricing(max_age=0)

    assert policy.discounts_for(STANDARD, SUBTOTAL) == ()
    assert policy.discounts_for(STANDARD, SUBTOTAL) == (Discount("campaign", Decimal(20)),)
    assert appconfig.calls == [
        "StartConfigurationSession",
        "GetLatestConfiguration",
        "GetLatestConfiguration",
    ]


@pytest.mark.parametrize(
    ("code", "status"),
    [("InternalServerException", 500), ("ThrottlingException", 429), ("AccessDenied", 403)],
)
def test_an_appconfig_error_means_no_discount_logged_and_counted(
    appconfig: AppConfig, caplog: pytest.LogCaptureFixture, code: str, status: int
) -> None:
    appconfig.starts_session()
    appconfig.fails(code, status)
    reasons: list[str] = []
    policy = appconfig.pricing(on_failure=reasons.append, retry_after=300)

    with caplog.at_level(logging.WARNING, logger="orders_adapters.appconfig"):
        assert policy.discounts_for(PREMIUM, SUBTOTAL) == ()
        # within the retry window AppConfig is left alone: no call, no second failure
        assert policy.discounts_for(PREMIUM, SUBTOTAL) == ()

    assert policy.failures == 1
    assert reasons == ["unavailable"]
    assert appconfig.calls == ["StartConfigurationSession", "GetLatestConfiguration"]
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "feature flags unavailable, no discounts apply" in record.getMessage()


def test_flags_recover_once_appconfig_answers_again(appconfig: AppConfig) -> None:
    appconfig.starts_session()
    appconfig.fails("InternalServerException")
    appconfig.serves(default_flags_document())
    policy = appconfig.pricing(retry_after=0)

    assert policy.discounts_for(PREMIUM, SUBTOTAL) == ()
    assert policy.discounts_for(PREMIUM, SUBTOTAL) == (Discount("premium", Decimal(10)),)
    assert policy.failures == 1


def test_a_rejected_session_token_starts_a_new_session(appconfig: AppConfig) -> None:
    appconfig.starts_session()
    appconfig.fails("BadRequestException", 400)
    appconfig.starts_session()
    appconfig.serves(default_flags_document())
    policy = appconfig.pricing(retry_after=0)

    assert policy.discounts_for(PREMIUM, SUBTOTAL) == ()
    assert policy.discounts_for(PREMIUM, SUBTOTAL) == (Discount("premium", Decimal(10)),)
    assert appconfig.calls == [
        "StartConfigurationSession",
        "GetLatestConfiguration",
        "StartConfigurationSession",
        "GetLatestConfiguration",
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (json.dumps(flags(premium=250)).encode(), "invalid"),
        (json.dumps({"premium_discount": {"default": 10}}).encode(), "invalid"),
        (json.dumps(["not", "flags"]).encode(), "invalid"),
        (b"{truncated", "unavailable"),  # Powertools fails to parse it: a store error
    ],
)
def test_an_invalid_document_means_no_discount_logged_and_counted(
    appconfig: AppConfig, caplog: pytest.LogCaptureFixture, body: bytes, reason: str
) -> None:
    appconfig.starts_session()
    appconfig.serves_bytes(body)
    reasons: list[str] = []
    policy = appconfig.pricing(on_failure=reasons.append, max_age=300)

    with caplog.at_level(logging.WARNING, logger="orders_adapters.appconfig"):
        assert policy.discounts_for(PREMIUM, SUBTOTAL) == ()
        assert policy.discounts_for(PREMIUM, SUBTOTAL) == ()

    assert reasons == [reason]
    assert policy.failures == 1
    assert f"feature flags {reason}" in caplog.text


def test_an_appconfig_that_never_answers_falls_back_within_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A server that accepts connections and says nothing: the client's own timeouts decide
    # how long an order waits before the fail-safe defaults apply.
    for name, value in AWS_TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with closing(socket.socket()) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        client = make_appconfig_client(
            endpoint_url=f"http://127.0.0.1:{silent.getsockname()[1]}", region="eu-west-1"
        )
        reasons: list[str] = []
        policy = appconfig_pricing(
            client,
            application="orders",
            environment="test",
            profile="flags",
            on_failure=reasons.append,
        )
        started = time.monotonic()
        assert policy.discounts_for(PREMIUM, SUBTOTAL) == ()
        waited = time.monotonic() - started
    assert reasons == ["unavailable"]
    # Two attempts of a one-second read timeout, plus backoff: far below the 10 s function
    # timeout (botocore's default would be 60 s per attempt).
    assert waited < 8, waited
