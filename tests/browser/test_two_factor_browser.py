"""In Chromium, under the real CSP: the secretariat logs in with password and code, and a new
secretariat account enrols (QR code, key, confirmation, recovery codes). Screenshots of the
three pages land in test-artifacts/."""

from base64 import b32decode

import pytest

from accounts.choices import Role
from tests import factories
from tests.browser_support import ARTIFACTS, VIEWPORTS, watch_problems
from tests.factories import PASSWORD
from tests.two_factor_support import code_for, current_code

pytestmark = pytest.mark.browser


def _open(chromium, device="desktop"):
    context = chromium.new_context(viewport=VIEWPORTS[device], locale="en-GB")
    page = context.new_page()
    problems = watch_problems(page)
    return context, page, problems


def _password_step(page, base, email):
    page.goto(f"{base}/dashboard/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("device", VIEWPORTS)
def test_the_secretariat_logs_in_with_the_code(
    transactional_db, live_server, chromium, secretariat_user, device
):
    context, page, problems = _open(chromium, device)
    base = live_server.url

    _password_step(page, base, "sec@example.org")

    page.wait_for_url(f"{base}/accounts/login/code/")
    assert page.get_by_role("heading", level=1).inner_text() == "Enter your code"
    assert page.evaluate("document.activeElement.name") == "code", "code field autofocus"
    assert page.get_by_role("link", name="Audit trail").count() == 0, "not logged in yet"
    page.get_by_label("Code").fill("000000" if current_code(secretariat_user) != "000000" else "1")
    page.get_by_role("button", name="Verify").click()
    assert page.get_by_text("That code is not right").is_visible()
    page.screenshot(path=ARTIFACTS / f"two-factor-verify-{device}.png", full_page=True)

    # The device now waits a second after the wrong code before it accepts the right one.
    page.wait_for_timeout(2_100)
    page.get_by_label("Code").fill(current_code(secretariat_user))
    page.get_by_role("button", name="Verify").click()

    page.wait_for_url(f"{base}/dashboard/")
    assert page.get_by_role("link", name="Audit trail").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]
    assert problems == []
    context.close()


@pytest.mark.parametrize("device", VIEWPORTS)
def test_a_new_secretariat_account_enrols_before_anything_else(
    transactional_db, live_server, chromium, secretariat_org, device
):
    factories.member(secretariat_org, Role.SECRETARIAT, email="new.sec@example.org")
    context, page, problems = _open(chromium, device)
    base = live_server.url

    _password_step(page, base, "new.sec@example.org")

    page.wait_for_url(f"{base}/accounts/two-factor/setup/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up two-factor authentication"
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR code shows"
    page.screenshot(path=ARTIFACTS / f"two-factor-setup-{device}.png", full_page=True)
    # Other pages send the account back here until it has enrolled.
    page.goto(f"{base}/accounts/audit/")
    page.wait_for_url(f"{base}/accounts/two-factor/setup/**")

    key = page.locator(".two-factor__secret code").inner_text()
    page.get_by_label("Code from the app").fill(code_for(b32decode(key.replace(" ", "")).hex()))
    page.get_by_role("button", name="Turn on").click()

    page.wait_for_url(f"{base}/accounts/two-factor/recovery-codes/")
    assert page.locator(".two-factor__codes li").count() == 10
    assert page.get_by_text("Shown only once.").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]
    page.screenshot(path=ARTIFACTS / f"two-factor-recovery-codes-{device}.png", full_page=True)
    page.get_by_role("link", name="I have saved them").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/accounts/audit/")
    assert page.get_by_role("heading", level=1).inner_text() == "Audit trail"
    page.get_by_role("link", name="Two-factor authentication").click()
    assert page.locator(".two-factor__state--on").inner_text() == "On"
    assert page.get_by_text("10 recovery codes left.").is_visible()
    assert page.get_by_role("button", name="Turn off two-factor authentication").count() == 0
    page.screenshot(path=ARTIFACTS / f"two-factor-manage-{device}.png", full_page=True)
    assert problems == []
    context.close()
