"""The register, a material and the gap view in Chromium, on a laptop and a phone.

Full-page screenshots land in test-artifacts/ (materials-*.png) for people to look at.
"""

import pytest
from playwright.sync_api import expect

from roadmap.materials import link_mitigation, load_materials_file
from roadmap.models import CriticalMaterial
from tests.browser_support import ARTIFACTS, VIEWPORTS, watch_problems
from tests.factories import PASSWORD
from tests.materials.conftest import DATA_FILE, held_action, report

pytestmark = pytest.mark.browser


def build_register(secretariat_user, fra, deu):
    """The shipped register, tungsten stockpiled by a blocked action, cobalt recycled on track."""
    load_materials_file(path=DATA_FILE)
    stockpile, stockpile_holder = held_action(fra, number=3, title="Stockpile tungsten")
    recycle, recycle_holder = held_action(deu, number=4, title="Recover cobalt from engines")
    link_mitigation(
        user=secretariat_user,
        material=CriticalMaterial.objects.get(slug="tungsten"),
        action=stockpile,
        approach="stockpiling",
        note="National stockpile targets.",
    )
    link_mitigation(
        user=secretariat_user,
        material=CriticalMaterial.objects.get(slug="cobalt"),
        action=recycle,
        approach="recycling",
    )
    report(secretariat_user, stockpile_holder, "blocked", 10)
    report(secretariat_user, recycle_holder, "on_track", 45)


@pytest.mark.parametrize("device", VIEWPORTS)
def test_register_material_and_gap_view(
    transactional_db, live_server, chromium, allies, secretariat_user, fra, deu, observer, device
):
    build_register(secretariat_user, fra, deu)
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport=VIEWPORTS[device], locale="en-GB")
    page = context.new_page()
    problems = watch_problems(page)

    page.goto(f"{live_server.url}/materials/")
    page.get_by_label("E-mail address").fill(observer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/materials/")

    assert page.get_by_role("heading", level=1).inner_text() == "Critical raw materials"
    assert page.locator(".materials-table").first.locator("tbody tr").count() == 34
    assert page.locator(".chart__bar").count() == 29
    bar = page.locator(".chart__bar--high").first
    expect(bar).to_have_css("fill", "rgb(194, 65, 12)")
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]
    page.screenshot(path=ARTIFACTS / f"materials-register-{device}.png", full_page=True)

    page.get_by_label("NATO list (2024)").select_option("true")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert page.locator(".materials-table").first.locator("tbody tr").count() == 13

    page.get_by_role("link", name="Tungsten", exact=True).first.click()
    page.wait_for_url(f"{live_server.url}/materials/tungsten/")
    assert page.get_by_text("Stockpile tungsten").is_visible()
    assert page.locator(".status--blocked").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]
    page.screenshot(path=ARTIFACTS / f"materials-tungsten-{device}.png", full_page=True)

    page.goto(f"{live_server.url}/materials/gaps/")
    gap_rows = page.locator(".gap-table tbody tr")
    names = gap_rows.locator("th").all_inner_texts()
    assert "Tungsten" in names  # its only action is blocked
    assert "Cobalt" not in names  # recycled, on track
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]
    page.screenshot(path=ARTIFACTS / f"materials-gaps-{device}.png", full_page=True)

    assert problems == []
    context.close()
