"""In Chromium, under the real Content-Security-Policy: the API docs work, the secretariat's audit
and lock-out pages render, and a locked-out person reads why. Any CSP violation fails the test.

Screenshots land in test-artifacts/ (security-*.png).
"""

import pytest
from django.test import override_settings

from tests.browser_support import ARTIFACTS, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def new_page(chromium):
    """`new_page(address)`: a page in its own browser context, seen by the app as coming from
    `address` (through a trusted proxy header), with CSP violations and errors collected."""

    def make(address="192.0.2.1"):
        context = chromium.new_context(
            viewport={"width": 1280, "height": 900},
            locale="en-GB",
            extra_http_headers={"X-Forwarded-For": address},
        )
        page = context.new_page()
        page.problems = []
        page.on(
            "console",
            lambda message: message.type == "error" and page.problems.append(message.text),
        )
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        return page

    return make


def test_api_docs_render_under_the_policy(transactional_db, live_server, new_page, fra_delegate):
    page = new_page()
    log_in(page, live_server.url, "fra@example.org")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".opblock").first.wait_for(timeout=20_000)

    assert page.locator(".opblock").count() > 10
    assert "Supply Chain Security Roadmap Tracker API" in page.locator(".info .title").inner_text()
    page.screenshot(path=ARTIFACTS / "security-api-docs.png")
    assert page.problems == []


@override_settings(AXES_FAILURE_LIMIT=2, TRUSTED_PROXY_COUNT=1)
def test_audit_lockouts_and_locked_out_pages(
    transactional_db, live_server, new_page, secretariat_user, fra_delegate
):
    delegate = new_page("192.0.2.66")
    for _ in range(2):
        log_in(delegate, live_server.url, "fra@example.org", "wrong password")
    assert "Too many failed log-ins" in delegate.locator("main").inner_text()
    delegate.screenshot(path=ARTIFACTS / "security-locked-out.png", full_page=True)

    page = new_page("192.0.2.5")
    log_in(page, live_server.url, "sec@example.org")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/accounts/lockouts/")
    assert "fra@example.org" in page.locator("main").inner_text()
    page.screenshot(path=ARTIFACTS / "security-lockouts.png", full_page=True)

    page.get_by_role("button", name="Unlock").first.click()
    page.wait_for_url(f"{live_server.url}/accounts/lockouts/")
    assert "Unlocked." in page.locator("main").inner_text()

    page.get_by_role("link", name="Audit trail").first.click()
    page.get_by_label("Event").select_option("login_failed")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**event=login_failed**")
    assert page.locator("tbody tr").count() == 2
    page.get_by_label("Event").select_option("")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**event=**")
    page.screenshot(path=ARTIFACTS / "security-audit-trail.png", full_page=True)
    assert page.problems == []
    # The lock-out page itself is a 429, which Chromium reports; nothing else may appear.
    assert [p for p in delegate.problems if "status of 429" not in p] == []
