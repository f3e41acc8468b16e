"""The daily pages in Chromium: an in-place update from the worklist reaching the dashboard, two
people editing one assignment, and an industry member's view.

Screenshots of the dashboard, the worklist and the action page land in test-artifacts/.
"""

import pytest

from accounts.choices import Releasability, Role
from roadmap.choices import Status
from roadmap.models import Assignment
from roadmap.selectors import TIMELINE_PAGE
from tests import factories
from tests.browser_support import ARTIFACTS, VIEWPORTS, watch_problems
from tests.factories import PASSWORD
from tests.pages.roadmap_data import build_roadmap
from tests.pages_daily.data import update
from tests.two_factor_support import answer_code_step

pytestmark = pytest.mark.browser


class Session:
    """One person in one browser context, failing the test on console errors or lost requests."""

    def __init__(self, browser, live_server, email: str, viewport="desktop"):
        self.base = live_server.url
        self.context = browser.new_context(viewport=VIEWPORTS[viewport], locale="en-GB")
        self.page = self.context.new_page()
        self.viewport = VIEWPORTS[viewport]
        self.problems = watch_problems(self.page)
        self.page.goto(f"{self.base}/accounts/login/")
        self.page.get_by_label("E-mail address").fill(email)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        answer_code_step(self.page, email)
        self.page.wait_for_url(f"{self.base}/")

    def open(self, path: str):
        self.page.goto(f"{self.base}{path}")
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= self.viewport["width"], f"{path} scrolls sideways"
        return self.page

    def row(self, assignment):
        return self.page.locator(f"#assignment-{assignment.pk}")

    def close(self, *, expected: tuple[str, ...] = ()):
        """`expected`: console errors the test provoked on purpose, such as a 409."""
        assert [p for p in self.problems if not any(e in p for e in expected)] == []
        self.context.close()


def _fra(code: str) -> Assignment:
    return Assignment.objects.get(action__code=code, organisation__code="FRA")


@pytest.mark.parametrize("device", VIEWPORTS)
def test_a_delegate_updates_from_the_worklist_and_the_dashboard_shows_it(
    transactional_db, live_server, chromium, fra_delegate, device
):
    build_roadmap()
    ARTIFACTS.mkdir(exist_ok=True)
    assignment = _fra("LOE-1.KO-1.A-2")  # blocked at 10 %
    me = Session(chromium, live_server, "fra@example.org", device)

    page = me.open("/worklist/")
    assert page.get_by_role("heading", level=1).inner_text() == "My worklist"
    row = me.row(assignment)
    row.get_by_role("link", name="Update").click()
    panel = row.locator(".update-panel")
    panel.wait_for()
    assert page.url.endswith("/worklist/"), "the form opens in place"
    panel.get_by_label("Status").select_option("at_risk")
    panel.get_by_label("Progress (%)").fill("45")
    panel.get_by_label("Narrative").fill("Export licence granted; deliveries resume in May.")
    panel.get_by_label("Evidence links").fill("https://example.org/licence")
    page.screenshot(path=ARTIFACTS / f"worklist-form-{device}.png", full_page=True)
    panel.get_by_role("button", name="Save update").click()

    row.locator(".saved").wait_for()
    assert row.locator(".status").inner_text() == "At risk"
    assert "45%" in row.inner_text()
    assert page.url.endswith("/worklist/")
    page.screenshot(path=ARTIFACTS / f"worklist-{device}.png", full_page=True)

    page = me.open("/dashboard/")
    changes = page.locator("#recent-title + .timeline")
    assert "Export licence granted; deliveries resume in May." in changes.inner_text()
    # FRA on LOE-1 was blocked through this assignment; now its worst is at risk.
    cell = page.locator(".heatmap tbody tr", has_text="FRA").locator("td").first
    assert "heat--at_risk" in cell.get_attribute("class")
    assert cell.locator(".heat__abbr").inner_text() == "RISK"
    page.screenshot(path=ARTIFACTS / f"dashboard-{device}.png", full_page=True)

    page = me.open("/actions/LOE-1.KO-1.A-2/")
    assert "Export licence granted" in page.locator(".timeline__item").first.inner_text()
    assert page.get_by_role("link", name="https://example.org/licence").count() == 2
    page.screenshot(path=ARTIFACTS / f"action-{device}.png", full_page=True)
    me.close()


def test_the_second_of_two_editors_sees_the_conflict_and_keeps_their_text(
    transactional_db, live_server, chromium, fra_delegate
):
    build_roadmap()
    factories.member(
        fra_delegate.memberships.get().organisation, Role.DELEGATE, email="fra2@example.org"
    )
    assignment = _fra("LOE-1.KO-1.A-1")
    first = Session(chromium, live_server, "fra@example.org")
    second = Session(chromium, live_server, "fra2@example.org")
    for person in (first, second):
        person.open("/worklist/")
        person.row(assignment).get_by_role("link", name="Update").click()
        person.row(assignment).locator(".update-panel").wait_for()

    mine = first.row(assignment)
    mine.get_by_label("Status").select_option("off_track")
    mine.get_by_label("Narrative").fill("First in: supplier insolvency announced.")
    mine.get_by_role("button", name="Save update").click()
    mine.locator(".saved").wait_for()

    theirs = second.row(assignment)
    typed = "Second: our ministry confirmed the stockpile budget."
    theirs.get_by_label("Narrative").fill(typed)
    theirs.get_by_role("button", name="Save update").click()
    theirs.locator(".alert--conflict").wait_for()

    alert = theirs.locator(".alert--conflict").inner_text()
    assert "Someone else updated this assignment" in alert
    assert "First in: supplier insolvency announced." in alert
    assert theirs.get_by_label("Narrative").input_value() == typed
    second.page.screenshot(path=ARTIFACTS / "worklist-conflict-desktop.png", full_page=True)

    # Saving again after reading goes through.
    theirs.get_by_role("button", name="Save update").click()
    theirs.locator(".saved").wait_for()
    assert assignment.updates.first().narrative == typed
    first.close()
    second.close(expected=("status of 409 (Conflict)",))


def test_an_industry_members_pages_show_no_nato_only_narrative(
    transactional_db, live_server, chromium, fra_delegate, niag_member
):
    build_roadmap()
    assignment = _fra("LOE-1.KO-1.A-1")
    update(
        fra_delegate,
        assignment,
        status=Status.AT_RISK,
        narrative="Released to industry: tender delayed.",
        releasability=Releasability.INDUSTRY,
    )
    update(
        fra_delegate,
        assignment,
        status=Status.BLOCKED,
        narrative="NATO ONLY: classified supplier list.",
        evidence_links=["https://example.org/nato-only"],
    )
    reader = Session(chromium, live_server, "niag@example.org")

    for path in (
        "/",
        "/dashboard/",
        "/worklist/",
        "/worklist/all/",
        "/actions/LOE-1.KO-1.A-1/",
        "/organisations/FRA/",
        "/lines/LOE-1/",
    ):
        text = reader.open(path).content()
        assert "NATO ONLY" not in text, path
        assert "nato-only" not in text, path
        assert "status--blocked" not in text, path
    page = reader.open("/actions/LOE-1.KO-1.A-1/")
    assert "Released to industry: tender delayed." in page.locator(".timeline").inner_text()
    page.screenshot(path=ARTIFACTS / "action-industry-desktop.png", full_page=True)
    reader.close()


def test_the_secretariat_changes_a_due_date_and_round_trips_an_export(
    transactional_db, live_server, chromium, secretariat_user
):
    build_roadmap()
    deu = Assignment.objects.get(action__code="LOE-1.KO-1.A-1", organisation__code="DEU")
    staff = Session(chromium, live_server, "sec@example.org")

    page = staff.open("/actions/LOE-1.KO-1.A-1/")
    row = staff.row(deu)
    # Opening the control loads its form into the row (htmx).
    row.get_by_text("Change due date").click()
    row.get_by_label("Due date").fill("2027-03-31")
    row.get_by_role("button", name="Save due date").click()
    page.wait_for_url(f"{staff.base}/actions/LOE-1.KO-1.A-1/")
    assert "31 Mar 2027" in staff.row(deu).inner_text()
    staff.row(deu).get_by_text("Cancel assignment").click()
    staff.row(deu).get_by_label("Reason").wait_for()
    page.screenshot(path=ARTIFACTS / "action-secretariat-desktop.png", full_page=True)

    exported = staff.context.request.get(f"{staff.base}/worklist/all/export.csv?organisation=DEU")
    assert exported.ok
    edited = exported.body().replace(b"2027-03-31", b"2027-06-30")
    page = staff.open("/import/")
    page.get_by_label("CSV or XLSX file").set_input_files(
        files=[{"name": "deu.csv", "mimeType": "text/csv", "buffer": edited}]
    )
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Apply 1 change").wait_for()
    page.screenshot(path=ARTIFACTS / "import-preview-desktop.png", full_page=True)
    page.get_by_role("button", name="Apply 1 change").click()
    page.get_by_text("Import applied: 1 changes from deu.csv.").wait_for()
    deu.refresh_from_db()
    assert str(deu.due_date) == "2027-06-30"
    staff.close()


def test_a_reader_opens_older_updates_in_place_on_the_action_page(
    transactional_db, live_server, chromium, fra_delegate, observer
):
    build_roadmap()
    assignment = _fra("LOE-1.KO-1.A-1")
    for number in range(TIMELINE_PAGE + 2):
        update(fra_delegate, assignment, progress=number, narrative=f"Report {number}.")
    reader = Session(chromium, live_server, "observer@example.org")
    page = reader.open("/actions/LOE-1.KO-1.A-1/")
    items = page.locator(".timeline__item")
    assert items.count() == TIMELINE_PAGE

    page.get_by_role("link", name="Show older updates (6 more)").click()

    items.nth(TIMELINE_PAGE + 5).wait_for()
    assert items.count() == TIMELINE_PAGE + 6  # the last reports and the 4 imported ones
    assert "Report 1." in items.nth(TIMELINE_PAGE).inner_text()
    assert page.locator(".timeline__more").count() == 0
    assert page.url.endswith("/actions/LOE-1.KO-1.A-1/")  # in place, no page change
    page.screenshot(path=ARTIFACTS / "action-older-updates-desktop.png", full_page=True)
    reader.close()
