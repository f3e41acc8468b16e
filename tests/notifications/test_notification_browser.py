"""The notifications page and the calendar feed page in Chromium. Screenshots land in
test-artifacts/ for people to look at."""

import pytest
import time_machine
from playwright.sync_api import expect

from roadmap.choices import Status
from tests.best_practices.conftest import draft, walk
from tests.browser_support import ARTIFACTS, VIEWPORTS, log_in, watch_problems
from tests.reviews.review_data import at, build_world, plan, report_status, run_pass
from tracker import review_services

pytestmark = pytest.mark.browser


@pytest.fixture
def march(transactional_db, fra, deu, dipb, secretariat_user, fra_delegate, deu_delegate):
    """March open, FRA's submission returned, a best practice of FRA's returned too."""
    world = build_world(fra=fra, deu=deu, dipb=dipb, secretariat_user=secretariat_user)
    cycle = plan(secretariat_user, "March review", at(3, 2, 8), at(3, 16, 17), at(3, 30, 17))
    run_pass(at(3, 2))
    report_status(fra_delegate, world.a1, Status.ON_TRACK, 40, when=at(3, 5))
    report_status(fra_delegate, world.a3, Status.ON_TRACK, 50, when=at(3, 5))
    submission = cycle.submissions.get(organisation__code="FRA")
    review_services.submit_cycle_submission(
        user=fra_delegate, submission_id=submission.pk, now=at(3, 6)
    )
    review_services.return_cycle_submission(
        user=secretariat_user,
        submission_id=submission.pk,
        reason="Please attach the stockpile audit for A-2.",
        now=at(3, 7),
    )
    with time_machine.travel(at(3, 8), tick=False):
        practice = draft(fra_delegate, fra)
        walk(
            practice,
            (fra_delegate, "submit"),
            (secretariat_user, "return", "Name the partner Allies."),
        )
    plan(secretariat_user, "June review", at(6, 1), at(6, 20, 17), at(6, 30, 17))
    return cycle


@pytest.mark.parametrize("device", VIEWPORTS)
def test_a_delegate_reads_notifications_and_subscribes_to_the_feed(
    live_server, chromium, march, device
):
    context = chromium.new_context(viewport=VIEWPORTS[device], locale="en-GB")
    page = context.new_page()
    problems = watch_problems(page)
    log_in(page, live_server.url, "fra@example.org")
    page.wait_for_url(f"{live_server.url}/")

    # The badge counts the unread ones: cycle opened, digest, submission returned, practice returned
    link = page.get_by_role("link", name="Notifications 4 unread")
    assert link.is_visible()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    assert page.locator(".notice--unread").count() == 4
    first = page.locator(".notice").first
    assert "Your best practice was returned to you" in first.inner_text()
    expect(first).to_have_css("background-color", "rgb(238, 244, 251)")
    page.screenshot(path=ARTIFACTS / f"notifications-{device}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]

    # Opening one follows its link and marks it read
    page.get_by_role("button", name="Submission of FRA returned", exact=True).click()
    page.wait_for_url("**/reviews/submissions/*/")
    expect(page.get_by_role("link", name="Notifications 3 unread")).to_be_visible()

    # The calendar feed: turned on, its address shown once, the feed served to an app
    page.goto(f"{live_server.url}/calendar/")
    page.get_by_role("button", name="Turn on and get an address").click()
    expect(page.get_by_role("button", name="Turn off")).to_be_visible()
    address = page.get_by_label("Feed address").input_value()
    assert address.startswith(live_server.url + "/calendar/") and address.endswith(".ics")
    assert page.get_by_role("button", name="Copy").is_visible(), "copy-field.js did not run"
    assert page.locator(".feed-events tbody tr").count() == 4  # two due dates, two deadlines
    page.screenshot(path=ARTIFACTS / f"calendar-feed-{device}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]

    feed = context.request.get(address)
    assert feed.status == 200 and "BEGIN:VEVENT" in feed.text()

    page.get_by_role("button", name="Revoke and issue a new address").click()
    expect(page.get_by_label("Feed address")).not_to_have_value(address)
    assert context.request.get(address).status == 404

    assert problems == []
    context.close()
