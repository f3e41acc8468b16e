"""The action item page: holders, timeline, roll-up, evidence, and the secretariat's controls."""

import datetime

import pytest
from django.test.html import parse_html
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from accounts.choices import Releasability
from roadmap.choices import AssignmentRole, Status
from roadmap.models import Assignment
from roadmap.selectors import TIMELINE_PAGE
from tests import factories
from tests.pages.page_html import find_all, text
from tests.pages_daily.data import update
from tracker.models import StatusUpdate

CODE = "LOE-1.KO-1.A-1"
PAGE = reverse("roadmap:action", args=[CODE])


def holder(code: str) -> Assignment:
    return Assignment.objects.get(action__code=CODE, organisation__code=code)


def test_the_page_shows_outcome_line_holders_rollup_and_timeline(
    client, fra_delegate, observer, roadmap
):
    update(
        fra_delegate,
        holder("FRA"),
        status=Status.AT_RISK,
        progress=55,
        narrative="Second: survey slipped a month.",
        evidence_links=["https://example.org/minutes-2"],
    )
    client.force_login(observer)

    response = client.get(PAGE)

    assert response.status_code == 200
    assertContains(response, reverse("roadmap:line", args=["LOE-1"]))
    assertContains(response, reverse("roadmap:outcome", args=["LOE-1.KO-1"]))
    page = parse_html(response.content.decode())
    statuses = [text(s) for s in find_all(next(find_all(page, "worklist--action")), "status")]
    assert statuses == ["At risk", "At risk", "Completed", "Not started"]  # lead first
    assertContains(response, "Progress is the mean of 4 reported assignments")
    items = [text(item) for item in find_all(page, "timeline__item")]
    assert "Second: survey slipped a month." in items[0]  # newest first
    assert len(items) == 5
    assertContains(response, 'href="https://example.org/minutes-2"', count=2)  # update, evidence
    # Observers read, never act.
    assertNotContains(response, "Assign an organisation")
    assertNotContains(response, "Cancel assignment")


def test_an_industry_member_reads_only_what_is_released_to_industry(
    client, fra_delegate, niag_member, roadmap
):
    update(
        fra_delegate,
        holder("FRA"),
        status=Status.ON_TRACK,
        progress=70,
        narrative="Released: on track with industry input.",
        releasability=Releasability.INDUSTRY,
        evidence_links=["https://example.org/public-note"],
    )
    update(
        fra_delegate,
        holder("FRA"),
        status=Status.BLOCKED,
        progress=70,
        narrative="NATO ONLY: classified dependency found.",
        evidence_links=["https://example.org/nato-only"],
    )
    client.force_login(niag_member)

    response = client.get(PAGE)

    assertContains(response, "Released: on track with industry input.")
    assertContains(response, "https://example.org/public-note")
    assertNotContains(response, "NATO ONLY")
    assertNotContains(response, "nato-only")
    assertNotContains(response, "status--blocked")
    assertNotContains(response, "Recorded from a roadmap data file")


def test_the_evidence_panel_lists_what_every_update_links_to_not_only_the_first_page(
    client, fra_delegate, niag_member, roadmap, monkeypatch
):
    monkeypatch.setattr("roadmap.selectors.EVIDENCE_SHOWN", 3)
    update(fra_delegate, holder("FRA"), evidence_links=["https://example.org/first-survey"])
    update(
        fra_delegate,
        holder("FRA"),
        evidence_links=["https://example.org/industry-note"],
        releasability=Releasability.INDUSTRY,
    )
    for n in range(TIMELINE_PAGE):  # the two above fall off the timeline's first page
        update(fra_delegate, holder("FRA"), progress=n % 100)
    client.force_login(fra_delegate)

    response = client.get(PAGE)

    panel = text(next(find_all(parse_html(response.content.decode()), "evidence--list")))
    assert "first-survey" in panel and "industry-note" in panel
    assertNotContains(response, "the others are on their updates")

    for n in range(2):
        update(fra_delegate, holder("FRA"), evidence_links=[f"https://example.org/later-{n}"])
    response = client.get(PAGE)
    assertContains(response, "The newest 3 of 4 links; the others are on their updates.")
    assertNotContains(response, "first-survey")  # the oldest, beyond the three shown

    # An industry reader counts only what was released to industry.
    client.force_login(niag_member)
    response = client.get(PAGE)
    assertContains(response, "industry-note")
    assertNotContains(response, "later-")
    assertNotContains(response, "first-survey")


def test_unknown_codes_are_404_and_non_members_403(client, observer, roadmap):
    client.force_login(observer)
    assert client.get(reverse("roadmap:action", args=["LOE-9.KO-1.A-1"])).status_code == 404

    client.force_login(factories.UserFactory())
    assert client.get(PAGE).status_code == 403


def test_the_assign_form_of_an_unknown_action_is_404(client, secretariat_user, roadmap):
    client.force_login(secretariat_user)
    missing = reverse("roadmap:action-assign", args=["LOE-9.KO-1.A-1"])

    assert client.get(missing, headers={"HX-Request": "true"}).status_code == 404
    assert client.get(missing).status_code == 404


def test_members_see_a_way_to_their_worklist(client, fra_delegate, roadmap):
    client.force_login(fra_delegate)

    response = client.get(PAGE)

    assertContains(response, f"{reverse('worklist:mine')}?action={CODE}")


# The secretariat's controls


@pytest.mark.parametrize("role_fixture", ["fra_delegate", "niag_member", "observer", "dipb_member"])
def test_only_the_secretariat_may_assign_change_dates_or_cancel(
    client, request, roadmap, niag, role_fixture
):
    client.force_login(request.getfixturevalue(role_fixture))
    fra_part = holder("FRA")

    responses = [
        client.post(
            reverse("roadmap:action-assign", args=["LOE-1.KO-2.A-1"]),
            {"organisation": niag.pk, "role": "contributor"},
        ),
        client.post(
            reverse("roadmap:assignment-due-date", args=[fra_part.pk]), {"due_date": "2027-01-01"}
        ),
        client.post(
            reverse("roadmap:assignment-cancel", args=[fra_part.pk]),
            {"base_version": fra_part.version, "reason": "No longer needed"},
        ),
    ]

    # Nor open their forms.
    responses += [
        client.get(reverse(name, args=[fra_part.pk]), headers={"HX-Request": "true"})
        for name in ("roadmap:assignment-due-date", "roadmap:assignment-cancel")
    ]
    responses.append(
        client.get(reverse("roadmap:action-assign", args=[CODE]), headers={"HX-Request": "true"})
    )

    assert [r.status_code for r in responses] == [403] * 6
    assertNotContains(client.get(PAGE), "Assign an organisation")
    fra_part.refresh_from_db()
    assert (fra_part.due_date, fra_part.status) == (None, Status.ON_TRACK)


def test_secretariat_assigns_an_organisation(client, secretariat_user, roadmap):
    newcomer = factories.AllyFactory(code="POL", name="Poland", iso3="POL")
    assign_url = reverse("roadmap:action-assign", args=[CODE])
    client.force_login(secretariat_user)
    page = client.get(PAGE)
    # The form loads when the control is opened; without JavaScript it is a page of its own.
    assertContains(page, f'hx-get="{assign_url}"')
    assertNotContains(page, 'name="organisation"')
    fragment = client.get(assign_url, headers={"HX-Request": "true"})
    assertNotContains(fragment, "<html")
    assertContains(fragment, "POL — Poland")
    assertNotContains(fragment, "FRA — France")  # already holds a part
    own_page = client.get(assign_url)
    assertContains(own_page, "<h1>Assign an organisation</h1>", html=True)
    assertContains(own_page, f'href="{PAGE}"')
    assertContains(own_page, "POL — Poland")

    response = client.post(
        reverse("roadmap:action-assign", args=[CODE]),
        {"organisation": newcomer.pk, "role": "contributor", "due_date": "2027-03-31"},
        follow=True,
    )

    assertContains(response, "POL now has a part in LOE-1.KO-1.A-1.")
    created = holder("POL")
    assert (created.role, created.due_date) == ("contributor", datetime.date(2027, 3, 31))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"role": "lead"}, "This action item already has a lead."),
        ({"organisation": "FRA"}, "Select a valid choice"),
        ({"role": "chair"}, "Select a valid choice"),
        ({"due_date": "2027-02-30"}, "Enter a valid date"),
        ({"organisation": ""}, "This field is required"),
    ],
)
def test_bad_assignments_are_refused(client, secretariat_user, roadmap, data, message):
    newcomer = factories.AllyFactory(code="POL", name="Poland", iso3="POL")
    before = Assignment.objects.count()
    client.force_login(secretariat_user)
    posted = {"organisation": newcomer.pk, "role": AssignmentRole.CONTRIBUTOR, **data}
    if data.get("organisation") == "FRA":
        posted["organisation"] = holder("FRA").organisation_id

    response = client.post(reverse("roadmap:action-assign", args=[CODE]), posted)

    assert response.status_code == 400
    assertContains(response, message, status_code=400)
    assert Assignment.objects.count() == before


def test_the_secretariat_forms_load_when_a_control_is_opened(client, secretariat_user, roadmap):
    part = holder("DEU")
    due_url = reverse("roadmap:assignment-due-date", args=[part.pk])
    cancel_url = reverse("roadmap:assignment-cancel", args=[part.pk])
    client.force_login(secretariat_user)

    page = client.get(PAGE)

    # Each holder's controls fetch their form when opened, with a link for browsers without
    # JavaScript; no holder's form is rendered with the page.
    assertContains(page, f'hx-get="{due_url}"')
    assertContains(page, f'<a href="{cancel_url}">Open the form</a>', html=True)
    assertNotContains(page, 'name="reason"')
    assertNotContains(page, "Save due date")

    fragment = client.get(due_url, headers={"HX-Request": "true"})

    assert fragment.status_code == 200
    assert b"<html" not in fragment.content
    assertContains(fragment, f'<form method="post" action="{due_url}" class="control__form">')
    assertContains(fragment, 'name="due_date"')
    assertContains(fragment, "Save due date")

    cancel = client.get(cancel_url, headers={"HX-Request": "true"})

    assertContains(
        cancel, f'<input type="hidden" name="base_version" value="{part.version}"', count=1
    )
    assertContains(cancel, "Cancel this assignment")


def test_opening_the_control_of_an_unknown_assignment_is_404(client, secretariat_user, roadmap):
    client.force_login(secretariat_user)
    missing = Assignment.objects.order_by("-pk").first().pk + 1

    responses = [
        client.get(reverse(name, args=[missing]), headers={"HX-Request": "true"})
        for name in ("roadmap:assignment-due-date", "roadmap:assignment-cancel")
    ]

    assert [r.status_code for r in responses] == [404, 404]


def test_a_cancelled_holder_offers_no_cancel_control(client, secretariat_user, roadmap):
    part = holder("NIAG")
    client.force_login(secretariat_user)
    client.post(
        reverse("roadmap:assignment-cancel", args=[part.pk]),
        {"base_version": part.version, "reason": "Merged."},
    )

    page = client.get(PAGE)

    assertNotContains(page, reverse("roadmap:assignment-cancel", args=[part.pk]))
    assertContains(page, reverse("roadmap:assignment-due-date", args=[part.pk]))


def test_without_javascript_a_control_opens_as_a_page_of_its_own(client, secretariat_user, roadmap):
    part = holder("DEU")
    client.force_login(secretariat_user)

    response = client.get(reverse("roadmap:assignment-cancel", args=[part.pk]))

    assert response.status_code == 200
    assertContains(response, "<h1>Cancel assignment: Germany</h1>", html=True)
    assertContains(response, f'href="{PAGE}"')
    assertContains(response, 'name="reason"')


def test_a_form_that_came_back_with_errors_is_shown_open_in_its_row(
    client, secretariat_user, roadmap
):
    part = holder("DEU")
    client.force_login(secretariat_user)

    response = client.post(
        reverse("roadmap:assignment-due-date", args=[part.pk]), {"due_date": "soon"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    row = html[html.index(f'id="assignment-{part.pk}"') :]
    row = row[: row.index("</tr>")]
    assert '<details class="control" open>' in row
    assert "Enter a valid date" in row and 'value="soon"' in row
    # The other holders' controls stay closed, their forms not loaded.
    assert html.count('<details class="control" open>') == 1


def test_secretariat_changes_and_clears_a_due_date(client, secretariat_user, roadmap):
    part = holder("DEU")
    client.force_login(secretariat_user)
    url = reverse("roadmap:assignment-due-date", args=[part.pk])

    response = client.post(url, {"due_date": "2027-01-15"}, follow=True)
    assertContains(response, "Due date of LOE-1.KO-1.A-1 — DEU saved.")
    part.refresh_from_db()
    assert part.due_date == datetime.date(2027, 1, 15)

    response = client.post(url, {"due_date": "15 January"})
    assert response.status_code == 400
    assertContains(response, "Enter a valid date", status_code=400)
    part.refresh_from_db()
    assert part.due_date == datetime.date(2027, 1, 15)

    client.post(url, {"due_date": ""})
    part.refresh_from_db()
    assert part.due_date is None  # follows the action's due date again


def test_secretariat_cancels_with_a_reason(client, secretariat_user, roadmap):
    part = holder("NIAG")
    client.force_login(secretariat_user)
    url = reverse("roadmap:assignment-cancel", args=[part.pk])

    response = client.post(url, {"base_version": part.version, "reason": " "})
    assert response.status_code == 400
    assertContains(response, "This field is required", status_code=400)

    response = client.post(
        url, {"base_version": part.version, "reason": "Merged into LOE-1.KO-1.A-2."}, follow=True
    )

    assertContains(response, "LOE-1.KO-1.A-1 — NIAG cancelled.")
    part.refresh_from_db()
    assert part.status == Status.CANCELLED
    latest = part.updates.first()
    assert (latest.author, latest.narrative) == (secretariat_user, "Merged into LOE-1.KO-1.A-2.")


def test_cancelling_a_changed_assignment_is_a_conflict_that_keeps_the_reason(
    client, secretariat_user, fra_delegate, roadmap
):
    part = holder("FRA")
    seen = part.version
    update(fra_delegate, part, status=Status.AT_RISK, narrative="Fresh news.")
    count = StatusUpdate.objects.count()
    client.force_login(secretariat_user)

    response = client.post(
        reverse("roadmap:assignment-cancel", args=[part.pk]),
        {"base_version": seen, "reason": "Duplicate of national plan."},
    )

    assert response.status_code == 409
    assertContains(response, "has changed", status_code=409)
    assertContains(response, "Duplicate of national plan.", status_code=409)
    assert StatusUpdate.objects.count() == count
