"""Line of effort, key outcome and organisation pages: their roll-up and their children."""

import datetime

from django.test.html import parse_html
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from accounts.choices import Releasability
from roadmap.choices import Status
from roadmap.models import Assignment
from tests import factories
from tests.pages.page_html import find_all, text
from tests.pages_daily.data import update


def children(content: bytes) -> list[tuple[str, str, str]]:
    """(code, status word, progress) of each child row."""
    page = parse_html(content.decode())
    table = next(find_all(page, "worklist--children"))
    return [
        (
            text(next(find_all(row, "code"))),
            text(next(find_all(row, "status"))),
            text(next(find_all(row, "bar__pct"), "-")),
        )
        for row in find_all_rows(table)
    ]


def find_all_rows(table):
    for child in table.children:
        if getattr(child, "name", None) == "tbody":
            return [row for row in child.children if getattr(row, "name", None) == "tr"]
    return []


def test_line_page_rolls_up_its_outcomes(client, observer, roadmap):
    client.force_login(observer)

    response = client.get(reverse("roadmap:line", args=["LOE-1"]))

    assert response.status_code == 200
    assertContains(response, "Progress is the mean of 2 reported outcomes")
    assert children(response.content) == [
        ("LOE-1.KO-1", "Blocked", "39%"),
        ("LOE-1.KO-2", "At risk", "38%"),
    ]


def test_outcome_page_rolls_up_its_actions(client, observer, roadmap):
    client.force_login(observer)

    response = client.get(reverse("roadmap:outcome", args=["LOE-1.KO-1"]))

    assert children(response.content) == [
        ("LOE-1.KO-1.A-1", "At risk", "46%"),
        ("LOE-1.KO-1.A-2", "Blocked", "32%"),
    ]


def test_an_empty_line_says_so(client, observer, roadmap):
    client.force_login(observer)

    response = client.get(reverse("roadmap:line", args=["LOE-4"]))

    assertContains(response, "Nothing to roll up yet.")
    assertContains(response, "Nothing here yet.")


def test_structure_pages_404_and_403(client, observer, roadmap):
    client.force_login(observer)
    assert client.get(reverse("roadmap:line", args=["LOE-9"])).status_code == 404
    assert client.get(reverse("roadmap:outcome", args=["LOE-1.KO-9"])).status_code == 404
    assert client.get(reverse("roadmap:organisation", args=["XXX"])).status_code == 404

    client.force_login(factories.UserFactory())
    for url in (
        reverse("roadmap:line", args=["LOE-1"]),
        reverse("roadmap:outcome", args=["LOE-1.KO-1"]),
        reverse("roadmap:organisation", args=["FRA"]),
    ):
        assert client.get(url).status_code == 403


def test_industry_members_get_the_industry_release_on_structure_pages(client, niag_member, roadmap):
    client.force_login(niag_member)

    response = client.get(reverse("roadmap:line", args=["LOE-1"]))

    assert {status for _code, status, _pct in children(response.content)} == {"Not reported"}


def test_organisation_page_lists_its_assignments_and_its_record(
    client, observer, fra_delegate, roadmap
):
    assignment = Assignment.objects.get(action__code="LOE-1.KO-1.A-1", organisation__code="FRA")
    update(fra_delegate, assignment, narrative="This month.")
    old = update(fra_delegate, assignment, narrative="Earlier.")
    old.created_at = timezone.now() - datetime.timedelta(days=62)
    type(old).objects.filter(pk=old.pk).update(created_at=old.created_at)
    client.force_login(observer)

    response = client.get(reverse("roadmap:organisation", args=["FRA"]))

    assert response.status_code == 200
    page = parse_html(response.content.decode())
    assert len(list(find_all(page, "worklist__row"))) == 9
    months = [text(t) for t in find_all(page, "chart__count")]
    assert len(months) == 12
    # The nine data-file updates and one of today's this month; one two months back.
    assert months[-1] == "10"
    assert months[-3] == "1"
    assertContains(response, "Progress is the mean of 9 reported assignments")


def test_organisation_record_counts_only_readable_updates(
    client, niag_member, fra_delegate, roadmap
):
    assignment = Assignment.objects.get(action__code="LOE-1.KO-1.A-1", organisation__code="FRA")
    update(fra_delegate, assignment, releasability=Releasability.PUBLIC, narrative="Public.")
    update(fra_delegate, assignment, status=Status.BLOCKED, narrative="NATO only.")
    client.force_login(niag_member)

    response = client.get(reverse("roadmap:organisation", args=["FRA"]))

    months = [text(t) for t in find_all(parse_html(response.content.decode()), "chart__count")]
    assert months[-1] == "1"
    assertNotContains(response, "status--blocked")
