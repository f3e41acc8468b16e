"""The review pages in Chromium: who has reported in an open cycle, the frozen report on screen
and on paper. Screenshots land in test-artifacts/ for people to look at."""

import pytest
from playwright.sync_api import expect

from accounts.choices import Role
from roadmap.choices import Status
from tests import factories
from tests.browser_support import ARTIFACTS, VIEWPORTS, log_in, watch_problems
from tests.reviews.review_data import at, build_world, plan, report_status, run_pass
from tracker import review_services

pytestmark = pytest.mark.browser


@pytest.fixture
def march(transactional_db, fra, deu, dipb, secretariat_user, fra_delegate, deu_delegate):
    """A January cycle closed on the December statuses, then March open with some reports,
    a submission, an assessment, and three more Allies, one of which reports nothing."""
    world = build_world(fra=fra, deu=deu, dipb=dipb, secretariat_user=secretariat_user)
    others = [
        factories.AllyFactory(code=code, name=name, iso3=code)
        for code, name in (("ITA", "Italy"), ("NLD", "Netherlands"), ("POL", "Poland"))
    ]
    extra = [
        factories.AssignmentFactory(action=assignment.action, organisation=org)
        for org in others
        for assignment in (world.a1, world.a3, world.a5)
    ]
    for assignment, status in zip(
        extra[:3], [Status.ON_TRACK, Status.AT_RISK, Status.BLOCKED], strict=True
    ):
        report_status(secretariat_user, assignment, status, 30, when=at(12, 6, year=2029))
    plan(secretariat_user, "January review", at(1, 10), at(1, 20, 17), at(1, 25, 17))
    run_pass(at(1, 10))
    run_pass(at(1, 25, 18))
    cycle = plan(secretariat_user, "March review", at(3, 2, 8), at(3, 16, 17), at(3, 30, 17))
    run_pass(at(3, 2))
    report_status(fra_delegate, world.a1, Status.ON_TRACK, 40, when=at(3, 10, 11))
    report_status(
        fra_delegate, world.a3, Status.COMPLETED, 100, when=at(3, 10, 11), narrative="Done."
    )
    report_status(deu_delegate, world.a2, Status.OFF_TRACK, 20, when=at(3, 12, 11))
    for assignment, status in zip(
        extra[3:6], [Status.ON_TRACK, Status.ON_TRACK, Status.AT_RISK], strict=True
    ):
        report_status(secretariat_user, assignment, status, 60, when=at(3, 12, 11))
    fra_submission = cycle.submissions.get(organisation__code="FRA")
    review_services.submit_cycle_submission(
        user=fra_delegate, submission_id=fra_submission.pk, now=at(3, 10, 12)
    )
    review_services.record_assessment(
        user=secretariat_user, cycle=cycle, assignment_id=world.a1.pk, status=Status.AT_RISK
    )
    factories.member(others[0], Role.DELEGATE, email="ita@example.org")
    return cycle


def _no_sideways_scroll(page, device):
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[device]["width"]


@pytest.mark.parametrize("device", VIEWPORTS)
def test_the_secretariat_follows_a_cycle_and_reads_its_report(live_server, chromium, march, device):
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport=VIEWPORTS[device], locale="en-GB")
    page = context.new_page()
    problems = watch_problems(page)
    log_in(page, live_server.url, "sec@example.org")
    page.wait_for_url(f"{live_server.url}/")

    # The open cycle: who has reported, per organisation and per line
    page.goto(f"{live_server.url}/reviews/{march.pk}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("March review")
    fra_row = page.locator("tr", has=page.get_by_role("rowheader", name="FRA France"))
    assert "100%" in fra_row.inner_text() and "Submitted" in fra_row.inner_text()
    pol_row = page.locator("tr", has=page.get_by_role("rowheader", name="POL Poland"))
    assert "0%" in pol_row.inner_text() and "Not started" in pol_row.inner_text()
    deu_row = page.locator("tr", has=page.get_by_role("rowheader", name="DEU Germany"))
    assert "Draft" in deu_row.inner_text(), "a first update makes the submission a draft"
    expect(page.locator(".rate__fill").first).to_have_css("fill", "rgb(29, 92, 166)")
    page.screenshot(path=ARTIFACTS / f"review-cycle-{device}.png", full_page=True)
    _no_sideways_scroll(page, device)

    # A submission: statuses, the secretariat's assessment and the history
    fra_row.get_by_role("link").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Submission of France")
    assert page.locator(".history__attestation").is_visible()
    page.screenshot(path=ARTIFACTS / f"review-submission-{device}.png", full_page=True)
    _no_sideways_scroll(page, device)

    # Closing produces the report
    run_pass(at(3, 30, 18))
    page.goto(f"{live_server.url}/reviews/{march.pk}/report/")
    assert page.get_by_role("heading", level=1).inner_text() == "Report: March review"
    summary = page.locator(".figures").inner_text()
    assert "Improved since the previous cycle\n5" in summary
    assert "Worsened since the previous cycle\n1" in summary
    pol_row = page.locator("tr", has=page.get_by_role("rowheader", name="POL Poland"))
    assert "Not reported: 3" in pol_row.inner_text()
    expect(page.locator(".seg--on_track").first).to_have_css("fill", "rgb(46, 125, 50)")
    assert page.get_by_role("link", name="PDF ITA").is_visible()
    page.screenshot(path=ARTIFACTS / f"review-report-{device}.png", full_page=True)
    _no_sideways_scroll(page, device)

    page.emulate_media(media="print")
    assert not page.locator(".masthead").is_visible()
    assert not page.get_by_role("link", name="Download CSV").is_visible()
    page.screenshot(path=ARTIFACTS / f"review-report-print-{device}.png", full_page=True)

    assert problems == []
    context.close()


def test_the_cycle_list(live_server, chromium, march):
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport=VIEWPORTS["desktop"], locale="en-GB")
    page = context.new_page()
    problems = watch_problems(page)
    log_in(page, live_server.url, "ita@example.org")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/reviews/")
    assert page.get_by_role("link", name="March review").is_visible()
    assert page.get_by_role("link", name="Plan a review cycle").count() == 0
    page.get_by_role("link", name="Report").click()
    page.wait_for_load_state()
    # a member downloads only their own organisation's page of the report
    assert page.get_by_role("link", name="PDF ITA").is_visible()
    assert page.get_by_role("link", name="PDF FRA").count() == 0
    page.goto(f"{live_server.url}/reviews/")
    page.screenshot(path=ARTIFACTS / "review-list-desktop.png", full_page=True)
    assert problems == []
    context.close()
