"""Swagger UI as a newcomer meets it: open /swagger on ``orders serve``, Authorize with a
customer name, "Try it out" on POST /orders with the document's example, and the page shows
the 201. Headless Debian chromium, driven by playwright (which brings no browser of its own);
chromium is installed as for the other Swagger UI test.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.test_swagger_ui import chromium  # noqa: F401 - the browser fixture
from tests.support.local_server import RunningServer

pytestmark = pytest.mark.slow

STEP_TIMEOUT_MS = 30_000


def _authorize(page: Page, customer: str) -> None:
    page.locator("button.authorize").first.click()
    scheme = page.locator(".auth-container").filter(has_text="X-Dev-Customer")
    scheme.locator("input").fill(customer)
    scheme.locator("button.authorize").click()
    page.locator("button.btn-done").first.click()


def test_authorize_then_try_it_out_places_an_order(
    chromium: str,  # noqa: F811 - the fixture imported above
    server: RunningServer,
) -> None:
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.goto(f"{server.url}/swagger")
            create = page.locator("#operations-orders-create_order")
            expect(create).to_be_visible()
            _authorize(page, "swagger-newcomer")

            create.locator(".opblock-summary").click()
            create.locator("button.try-out__btn").click()
            create.locator("button.execute").click()

            answer = create.locator(".live-responses-table tbody tr.response").first
            status = answer.locator(".response-col_status")
            expect(status).to_have_text(re.compile(r"^\s*201"), timeout=STEP_TIMEOUT_MS)
            body = answer.locator(".response-col_description")
            expect(body).to_contain_text('"customer_id": "swagger-newcomer"')
        finally:
            browser.close()
