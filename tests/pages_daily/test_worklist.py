"""My worklist: the organisation's assignments, filters, and the in-place update form that
sends the version it was based on."""

import pytest
from django.test.html import parse_html
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from accounts.choices import Releasability, Role
from roadmap.choices import Status
from roadmap.models import Assignment
from tests import factories
from tests.pages.page_html import find_all, text
from tests.pages_daily.data import update
from tracker.models import StatusUpdate

MINE = reverse("worklist:mine")
ALL = reverse("worklist:all")
HTMX = {"HTTP_HX_REQUEST": "true"}


def rows(content: bytes) -> list[tuple[str, str]]:
    """(action code, organisation code) of each worklist row, in order."""
    page = parse_html(content.decode())
    return [
        (text(next(find_all(row, "code"))), text(next(find_all(row, "org"))))
        for row in find_all(page, "worklist__row")
    ]


def fra(code: str) -> Assignment:
    return Assignment.objects.get(action__code=code, organisation__code="FRA")


def form_data(assignment, **overrides):
    assignment.refresh_from_db()
    data = {
        "base_version": assignment.version,
        "status": Status.ON_TRACK,
        "progress": 70,
        "narrative": "Survey returned by 14 of 16 primes.",
        "evidence_links": "https://example.org/survey",
        "releasability": Releasability.NATO,
    }
    data.update(overrides)
    return data


def test_a_delegate_sees_only_their_organisations_assignments(client, fra_delegate, roadmap):
    client.force_login(fra_delegate)

    response = client.get(MINE)

    assert response.status_code == 200
    listed = rows(response.content)
    assert len(listed) == 9
    assert {org for _action, org in listed} == {"FRA"}
    assertContains(response, "9 assignments")


@pytest.mark.parametrize("role_fixture", ["secretariat_user", "observer"])
def test_those_without_assignments_of_their_own_go_to_the_full_list(
    client, request, roadmap, role_fixture
):
    client.force_login(request.getfixturevalue(role_fixture))

    assertRedirects(client.get(MINE), ALL)
    response = client.get(ALL)
    assert len(rows(response.content)) == 30


def test_a_user_without_organisation_is_refused(client, roadmap):
    client.force_login(factories.UserFactory())

    assert client.get(MINE).status_code == 403
    assert client.get(ALL).status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("line=LOE-2", {"LOE-2.KO-1.A-1", "LOE-2.KO-1.A-2", "LOE-2.KO-2.A-1"}),
        ("status=blocked", {"LOE-1.KO-1.A-2", "LOE-2.KO-1.A-2", "LOE-3.KO-1.A-2"}),
        ("line=LOE-3&status=at_risk", {"LOE-3.KO-2.A-1"}),
        ("q=sub-tier&line=LOE-1", {"LOE-1.KO-2.A-1"}),
    ],
)
def test_filters_narrow_the_list(client, fra_delegate, roadmap, query, expected):
    client.force_login(fra_delegate)

    response = client.get(f"{MINE}?{query}")

    assert {action for action, _org in rows(response.content)} == expected


def test_sorting_by_status_and_due_date(client, secretariat_user, roadmap):
    client.force_login(secretariat_user)

    response = client.get(f"{ALL}?line=LOE-1&ordering=-progress")

    progress = [
        text(next(find_all(row, "bar__pct")))
        for row in find_all(parse_html(response.content.decode()), "worklist__row")
    ]
    assert progress[0] == "100%"
    assert progress[-1] == "\u2013"  # cancelled: no progress shown


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=finished", "Select a valid choice"),
        ("due_before=31/12/2026", "Enter a valid date"),
        ("line=LOE-99", "Select a valid choice"),
        ("overdue=maybe", "Select a valid choice"),
    ],
)
def test_bad_filters_are_a_clear_400(client, fra_delegate, roadmap, query, message):
    client.force_login(fra_delegate)

    response = client.get(f"{MINE}?{query}")

    assert response.status_code == 400
    assertContains(response, message, status_code=400)
    assert rows(response.content) == []


def test_the_update_form_opens_in_place_with_the_current_version(client, fra_delegate, roadmap):
    assignment = fra("LOE-1.KO-1.A-1")
    client.force_login(fra_delegate)

    response = client.get(reverse("worklist:edit", args=[assignment.pk]), **HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith(f'<tr id="assignment-{assignment.pk}"')
    assert "<html" not in content
    assertContains(response, f'name="base_version" value="{assignment.version}"')
    assertContains(response, f'hx-post="{reverse("worklist:update", args=[assignment.pk])}"')
    # Cancelling is the secretariat's, on the action page.
    assertNotContains(response, 'value="cancelled"')


def test_without_htmx_the_form_is_a_page_of_its_own(client, fra_delegate, roadmap):
    assignment = fra("LOE-1.KO-1.A-1")
    client.force_login(fra_delegate)

    response = client.get(reverse("worklist:edit", args=[assignment.pk]))

    assertContains(response, "<html", status_code=200)
    assertNotContains(response, "hx-post")


def test_an_update_swaps_the_row_with_the_new_state(client, fra_delegate, roadmap):
    assignment = fra("LOE-1.KO-1.A-1")
    client.force_login(fra_delegate)

    response = client.post(
        reverse("worklist:update", args=[assignment.pk]),
        form_data(assignment, status=Status.AT_RISK, progress=65),
        **HTMX,
    )

    assert response.status_code == 200
    assertContains(response, f'<tr id="assignment-{assignment.pk}"')
    assertContains(response, '<span class="status status--at_risk">At risk</span>', html=True)
    assertContains(response, "65%")
    assertContains(response, "Saved · version")
    latest = assignment.updates.first()
    assert (latest.status, latest.progress, latest.author) == (Status.AT_RISK, 65, fra_delegate)
    assert latest.narrative == "Survey returned by 14 of 16 primes."
    assert latest.evidence_links == ["https://example.org/survey"]


def test_without_htmx_an_update_returns_to_the_worklist(client, fra_delegate, roadmap):
    assignment = fra("LOE-1.KO-1.A-1")
    client.force_login(fra_delegate)

    response = client.post(
        reverse("worklist:update", args=[assignment.pk]), form_data(assignment), follow=True
    )

    assertRedirects(response, MINE)
    assertContains(response, "Update recorded for LOE-1.KO-1.A-1")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"progress": "150"}, "progress", "less than or equal to 100"),
        ({"progress": "half"}, "progress", "Enter a whole number"),
        ({"status": "finished"}, "status", "Select a valid choice"),
        ({"status": "cancelled"}, "status", "Select a valid choice"),
        (
            {"status": "completed", "progress": "100", "narrative": "", "evidence_links": ""},
            "narrative",
            "Completed needs a narrative or evidence.",
        ),
        ({"status": "completed", "progress": "80"}, "progress", "A completed assignment is at 100"),
        ({"evidence_links": "ftp://example.org/x"}, "evidence_links", "Not a valid http(s) URL"),
        ({"releasability": "secret"}, "releasability", "Select a valid choice"),
        ({"narrative": "x" * 10_001}, "narrative", "at most 10000 characters"),
        ({"base_version": "abc"}, "base_version", "Enter a whole number"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    client, fra_delegate, roadmap, overrides, field, message
):
    assignment = fra("LOE-1.KO-1.A-1")
    before = (assignment.version, StatusUpdate.objects.count())
    client.force_login(fra_delegate)

    response = client.post(
        reverse("worklist:update", args=[assignment.pk]),
        form_data(assignment, **overrides),
        **HTMX,
    )

    assert response.status_code == 400
    assertContains(response, message, status_code=400)
    assignment.refresh_from_db()
    assert (assignment.version, StatusUpdate.objects.count()) == before
    if "narrative" not in overrides:
        # What the user typed is still in the form.
        assertContains(response, "Survey returned by 14 of 16 primes.", status_code=400)


def test_a_conflict_shows_the_newer_update_and_keeps_the_typed_text(client, fra_delegate, roadmap):
    colleague = factories.member(fra_delegate.memberships.get().organisation, Role.DELEGATE)
    assignment = fra("LOE-1.KO-1.A-1")
    opened = form_data(assignment, narrative="My careful paragraph about the survey.")
    update(colleague, assignment, status=Status.BLOCKED, narrative="Colleague: export ban hit.")
    client.force_login(fra_delegate)

    response = client.post(reverse("worklist:update", args=[assignment.pk]), opened, **HTMX)

    assert response.status_code == 409
    assertContains(response, "Someone else updated this assignment", status_code=409)
    assertContains(response, "Colleague: export ban hit.", status_code=409)
    assertContains(response, "My careful paragraph about the survey.", status_code=409)
    assignment.refresh_from_db()
    assertContains(response, f'name="base_version" value="{assignment.version}"', status_code=409)
    assert assignment.status == Status.BLOCKED

    # Saving again after reading is deliberate, and goes through.
    again = dict(opened, base_version=assignment.version)
    response = client.post(reverse("worklist:update", args=[assignment.pk]), again, **HTMX)
    assert response.status_code == 200
    assert assignment.updates.first().narrative == "My careful paragraph about the survey."


def test_an_industry_member_never_sees_a_nato_only_newer_update(client, niag_member, roadmap):
    colleague = factories.member(niag_member.memberships.get().organisation, Role.INDUSTRY_MEMBER)
    nato_reader = factories.member(
        niag_member.memberships.get().organisation, Role.DELEGATE, email="niag-nato@example.org"
    )
    assignment = Assignment.objects.get(action__code="LOE-1.KO-1.A-1", organisation__code="NIAG")
    opened = form_data(assignment, releasability=Releasability.INDUSTRY)
    update(nato_reader, assignment, status=Status.BLOCKED, narrative="NATO ONLY detail.")
    client.force_login(niag_member)

    response = client.post(reverse("worklist:update", args=[assignment.pk]), opened, **HTMX)

    assert response.status_code == 409
    assertContains(response, "The newer update is not releasable to you.", status_code=409)
    assertNotContains(response, "NATO ONLY", status_code=409)
    assertNotContains(response, "status--blocked", status_code=409)
    assert colleague.pk  # a fellow industry member exists but wrote nothing


def test_an_industry_members_worklist_shows_no_nato_only_status(client, niag_member, roadmap):
    client.force_login(niag_member)

    response = client.get(MINE)

    statuses = {text(s) for s in find_all(parse_html(response.content.decode()), "status")}
    assert statuses == {"Not reported"}
    assertContains(response, "You see the status each organisation has released to industry.")


def test_another_organisations_assignment_cannot_be_updated(client, fra_delegate, roadmap):
    theirs = Assignment.objects.get(action__code="LOE-1.KO-1.A-1", organisation__code="DEU")
    client.force_login(fra_delegate)

    assert client.get(reverse("worklist:edit", args=[theirs.pk]), **HTMX).status_code == 403
    response = client.post(reverse("worklist:update", args=[theirs.pk]), form_data(theirs))
    assert response.status_code == 403
    assert client.get(reverse("worklist:edit", args=[999_999])).status_code == 404


def test_observers_cannot_update(client, observer, roadmap):
    assignment = fra("LOE-1.KO-1.A-1")
    client.force_login(observer)

    response = client.get(ALL)
    assertNotContains(response, reverse("worklist:edit", args=[assignment.pk]))
    response = client.post(reverse("worklist:update", args=[assignment.pk]), form_data(assignment))
    assert response.status_code == 403


def test_the_row_fragment_restores_a_row_on_cancel(client, fra_delegate, roadmap):
    assignment = fra("LOE-1.KO-1.A-1")
    client.force_login(fra_delegate)

    response = client.get(reverse("worklist:row", args=[assignment.pk]), **HTMX)

    assert response.status_code == 200
    assertContains(response, 'class="worklist__row"')
    assertRedirects(client.get(reverse("worklist:row", args=[assignment.pk])), MINE)
