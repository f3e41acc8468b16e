"""A delegate logs in through the real form in Chromium and reads the roadmap.

Full-page screenshots land in test-artifacts/ so people can look at the layout on a laptop and a
phone without running the app.
"""

import pytest
from playwright.sync_api import expect

from tests.browser_support import ARTIFACTS, VIEWPORTS, watch_problems
from tests.factories import PASSWORD
from tests.pages.roadmap_data import build_roadmap

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("device", VIEWPORTS)
def test_delegate_logs_in_and_sees_the_roadmap(
    transactional_db, live_server, chromium, fra_delegate, device
):
    lines = build_roadmap()
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport=VIEWPORTS[device], locale="en-GB")
    page = context.new_page()
    problems = watch_problems(page)

    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    expect(page.locator(".masthead__bar")).to_have_css("background-color", "rgb(11, 42, 74)")
    assert page.evaluate("document.activeElement.name") == "username", "e-mail field autofocus"
    page.screenshot(path=ARTIFACTS / f"login-{device}.png", full_page=True)

    page.get_by_label("E-mail address").fill("FRA@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Roadmap"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for line in lines:
        assert page.get_by_role("heading", level=2, name=line.title).is_visible()
    assert page.get_by_text("fra@example.org").is_visible()
    assert page.locator(".banner--demo").is_visible()
    lead = page.locator(".holder--lead").first
    assert lead.locator(".badge--lead").inner_text().strip().lower() == "lead"
    assert page.get_by_role("link", name="Admin").count() == 0
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= VIEWPORTS[device]["width"], "the page scrolls sideways"
    page.screenshot(path=ARTIFACTS / f"home-{device}.png", full_page=True)

    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Feuille de route"
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]
    page.screenshot(path=ARTIFACTS / f"home-fr-{device}.png", full_page=True)

    assert problems == []
    context.close()
