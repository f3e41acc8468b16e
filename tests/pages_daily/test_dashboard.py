"""The dashboard: progress per line, the heat map, attention lists, this week's changes and
the open review cycle, each as the reader may see it."""

import datetime

import pytest
import time_machine
from django.test.html import parse_html
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from accounts.choices import Releasability
from roadmap.choices import Status
from roadmap.models import Assignment
from roadmap.services import change_due_date
from tests import factories
from tests.pages.page_html import find_all, text
from tests.pages_daily.data import update
from tracker import review_services

DASHBOARD = reverse("roadmap:dashboard")
NO_FIGURE = "\u2013"  # the dash shown instead of a percentage


def heat_cells(content: bytes) -> dict[tuple[str, str], tuple[str, str]]:
    """{(organisation, line): (status class, visible text)} of the heat map."""
    page = parse_html(content.decode())
    table = next(find_all(page, "heatmap"))
    head = next(child for child in table.children if getattr(child, "name", "") == "thead")
    lines = [text(th) for th in find_all_tags(head, "th")][1:]
    cells = {}
    body = next(child for child in table.children if getattr(child, "name", "") == "tbody")
    for row in find_all_tags(body, "tr"):
        organisation = text(next(find_all_tags(row, "th"))).split()[0]
        for line, cell in zip(lines, find_all_tags(row, "td"), strict=True):
            classes = dict(cell.attributes)["class"].split()
            status = next(c for c in classes if c.startswith("heat--"))
            shown = (
                " ".join(text(span) for span in find_all(cell, "heat__abbr"))
                + " "
                + " ".join(text(span) for span in find_all(cell, "heat__pct"))
            )
            cells[organisation, line] = (status, shown.strip())
    return cells


def find_all_tags(element, name):
    for child in element.children:
        if getattr(child, "name", None) == name:
            yield child
        elif hasattr(child, "children"):
            yield from find_all_tags(child, name)


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(DASHBOARD)

    assertRedirects(response, f"{reverse('accounts:login')}?next={DASHBOARD}")


def test_a_user_without_organisation_is_refused(client, db):
    client.force_login(factories.UserFactory())

    assert client.get(DASHBOARD).status_code == 403


def test_secretariat_sees_progress_per_line_and_the_heat_map(client, secretariat_user, roadmap):
    client.force_login(secretariat_user)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    assertContains(response, "Progress by line of effort")
    assertContains(response, 'aria-label="Progress of LOE-1"')
    cells = heat_cells(response.content)
    # FRA on LOE-1: on track 60, blocked 10, at risk 30: worst blocked, mean 33 %.
    assert cells["FRA", "LOE-1"] == ("heat--blocked", "BLK 33%")
    # DEU: at risk 25 and one cancelled, left out.
    assert cells["DEU", "LOE-1"] == ("heat--at_risk", "RISK 25%")
    # DIPB: completed 100 and off track 35.
    assert cells["DIPB", "LOE-1"] == ("heat--off_track", "OFF 68%")
    # LOE-4 has no outcomes: nobody holds anything there.
    assert cells["FRA", "LOE-4"] == ("heat--none", "")
    # The legend spells out every abbreviation.
    for word in ("Blocked", "Off track", "At risk", "On track", "Completed", "Not reported"):
        assertContains(response, word)


def test_a_heat_map_cell_opens_the_worklist_of_its_organisation_and_line(
    client, secretariat_user, roadmap
):
    client.force_login(secretariat_user)

    response = client.get(DASHBOARD)

    worklist = reverse("worklist:all")
    # FRA on LOE-1: worst blocked, mean 33 %, from its three reported assignments.
    assertContains(
        response,
        f'<a href="{worklist}?organisation=FRA&amp;line=LOE-1" title="FRA · LOE-1: Blocked, 33%">',
    )
    assertContains(
        response,
        '<span class="visually-hidden">Blocked, 3 of 3 assignments reported</span>',
        html=True,
    )
    # Where the organisation holds nothing, the cell says so to screen readers.
    assertContains(response, '<span class="visually-hidden">No assignment</span>', html=True)


def test_an_industry_member_sees_only_the_industry_release(
    client, niag_member, fra_delegate, roadmap
):
    fra_action = Assignment.objects.get(action__code="LOE-1.KO-1.A-1", organisation__code="FRA")
    update(
        fra_delegate,
        fra_action,
        status=Status.AT_RISK,
        progress=40,
        narrative="Shared with industry: supplier survey late.",
        releasability=Releasability.INDUSTRY,
    )
    update(
        fra_delegate,
        fra_action,
        status=Status.BLOCKED,
        progress=40,
        narrative="NATO ONLY: national stockpile figures withheld.",
    )
    client.force_login(niag_member)

    response = client.get(DASHBOARD)

    cells = heat_cells(response.content)
    assert cells["FRA", "LOE-1"] == ("heat--at_risk", "RISK 40%")
    assert cells["DEU", "LOE-1"] == ("heat--not_reported", f"NR {NO_FIGURE}")
    assertContains(response, "Shared with industry: supplier survey late.")
    assertNotContains(response, "NATO ONLY")
    assertNotContains(response, "status--blocked")


def test_what_changed_lists_this_weeks_updates_only(client, observer, fra_delegate, roadmap):
    assignment = Assignment.objects.get(action__code="LOE-2.KO-1.A-2", organisation__code="FRA")
    update(fra_delegate, assignment, status=Status.AT_RISK, narrative="Old news from last month.")
    assignment.updates.filter(narrative="Old news from last month.").update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )
    update(fra_delegate, assignment, status=Status.ON_TRACK, narrative="Unblocked this week.")
    client.force_login(observer)

    response = client.get(DASHBOARD)

    assertContains(response, "Unblocked this week.")
    assertNotContains(response, "Old news from last month.")


@time_machine.travel(datetime.datetime(2026, 5, 1, 9, tzinfo=datetime.UTC), tick=False)
def test_overdue_and_at_risk_lists(client, secretariat_user, roadmap):
    late = Assignment.objects.get(action__code="LOE-3.KO-1.A-1", organisation__code="DEU")
    change_due_date(
        user=secretariat_user, assignment_id=late.pk, due_date=datetime.date(2026, 4, 1)
    )
    client.force_login(secretariat_user)

    response = client.get(DASHBOARD)

    overdue = next(find_all(parse_html(response.content.decode()), "dash--halves"))
    panels = list(find_all(overdue, "panel"))
    assert text(next(find_all(panels[0], "count"))) == "1"
    assert [text(item).split()[:3] for item in find_all(panels[0], "attention__item")] == [
        ["LOE-3.KO-1.A-1", "DEU", "At"]
    ]
    risky = [text(item).split()[2] for item in find_all(panels[1], "attention__item")]
    # Blocked first, then off track, then at risk.
    assert risky[:3] == ["Blocked", "Blocked", "Blocked"]
    assert risky[-1] == "At"


def test_the_open_review_cycle_counts_missing_updates(
    client, secretariat_user, fra_delegate, niag_member, roadmap
):
    now = timezone.now()
    cycle = review_services.plan_review_cycle(
        user=secretariat_user,
        title="Spring review",
        opens_at=now - datetime.timedelta(hours=1),
        deadline=now + datetime.timedelta(days=14),
        closes_at=now + datetime.timedelta(days=21),
    )
    review_services.open_review_cycle(cycle=cycle, user=secretariat_user)
    update(
        fra_delegate,
        Assignment.objects.get(action__code="LOE-1.KO-1.A-1", organisation__code="FRA"),
        narrative="Reported for the cycle.",
    )

    client.force_login(fra_delegate)
    response = client.get(DASHBOARD)
    assertContains(response, "Spring review")
    # 24 open assignments in scope, one now reported; FRA held 9 of them.
    assertContains(response, '<span class="tally">23</span> updates still missing', html=True)
    assertContains(response, '<span class="tally tally--small">8</span>', html=True)

    client.force_login(niag_member)
    response = client.get(DASHBOARD)
    assertNotContains(response, "updates still missing")
    assertContains(response, '<span class="tally tally--small">9</span>', html=True)


@pytest.mark.parametrize("role_fixture", ["secretariat_user", "fra_delegate", "niag_member"])
def test_no_review_cycle_open(client, request, roadmap, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))

    assertContains(client.get(DASHBOARD), "No review cycle is open.")
