"""The action page's timeline: the newest page first, and every older update a link away."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from accounts.choices import Releasability
from roadmap.models import Assignment
from roadmap.selectors import TIMELINE_PAGE
from tests import factories
from tests.pages.page_html import texts_of
from tests.pages_daily.data import update
from tracker.models import StatusUpdate

CODE = "LOE-1.KO-1.A-1"
PAGE = reverse("roadmap:action", args=[CODE])
OLDER = reverse("roadmap:action-timeline", args=[CODE])
HTMX = {"HTTP_HX_REQUEST": "true"}


def fra_holder() -> Assignment:
    return Assignment.objects.get(action__code=CODE, organisation__code="FRA")


def report(delegate, count: int, *, start: int = 0, **fields):
    for number in range(start, start + count):
        update(
            delegate, fra_holder(), progress=number % 100, narrative=f"Report {number}.", **fields
        )


def narratives(content: bytes) -> list[str]:
    """The reports this test wrote, in the order shown (the roadmap's imported ones left out)."""
    return re.findall(r"Report \d+\.", " ".join(texts_of(content, "timeline__text")))


def older_link(content: bytes) -> str | None:
    found = re.search(rb'href="([^"]*/timeline/\?before=\d+)"', content)
    return found.group(1).decode() if found else None


def test_the_page_shows_the_newest_updates_and_each_older_page_follows(
    client, fra_delegate, observer, roadmap
):
    report(fra_delegate, 2 * TIMELINE_PAGE + 10)  # 60, beside the roadmap's 4 imported ones
    client.force_login(observer)

    page = client.get(PAGE)
    second = client.get(older_link(page.content), **HTMX)
    third = client.get(older_link(second.content), **HTMX)

    newest_first = [f"Report {n}." for n in range(2 * TIMELINE_PAGE + 9, -1, -1)]
    assert narratives(page.content) == newest_first[:TIMELINE_PAGE]
    assertContains(page, f"Show older updates ({TIMELINE_PAGE + 14} more)")
    # htmx swaps the link for the next items and, while more remain, a link to them.
    assert narratives(second.content) == newest_first[TIMELINE_PAGE : 2 * TIMELINE_PAGE]
    assertNotContains(second, "<html")
    assertContains(second, "Show older updates (14 more)")
    assert len(texts_of(third.content, "timeline__item")) == 14
    assert narratives(third.content) == newest_first[2 * TIMELINE_PAGE :]
    assert older_link(third.content) is None


def test_without_javascript_the_older_updates_are_a_page_of_their_own(
    client, fra_delegate, observer, roadmap
):
    report(fra_delegate, TIMELINE_PAGE + 3)
    client.force_login(observer)

    older = client.get(older_link(client.get(PAGE).content))

    assert older.status_code == 200
    assertContains(older, "<h1>Older updates</h1>", html=True)
    assertContains(older, f'href="{PAGE}"')
    assert narratives(older.content) == ["Report 2.", "Report 1.", "Report 0."]
    assert len(texts_of(older.content, "timeline__item")) == 3 + 4  # and the imported ones


def test_a_short_timeline_has_no_link_to_older_updates(client, observer, roadmap):
    client.force_login(observer)

    response = client.get(PAGE)

    assert len(texts_of(response.content, "timeline__item")) == 4
    assert older_link(response.content) is None


def test_an_industry_reader_pages_through_only_what_is_released_to_industry(
    client, fra_delegate, niag_member, roadmap
):
    report(fra_delegate, TIMELINE_PAGE + 5, releasability=Releasability.INDUSTRY)
    report(fra_delegate, 5, start=100)  # NATO only, newest
    client.force_login(niag_member)

    page = client.get(PAGE)
    older = client.get(older_link(page.content), **HTMX)

    shown = narratives(page.content) + narratives(older.content)
    assert shown == [f"Report {n}." for n in range(TIMELINE_PAGE + 4, -1, -1)]
    assertContains(page, "Show older updates (5 more)")


@pytest.mark.parametrize("before", ["", "abc", "-1", "999999"])
def test_a_missing_or_unknown_update_is_404(client, observer, roadmap, before):
    client.force_login(observer)

    assert client.get(OLDER, {"before": before}).status_code == 404


def test_an_update_of_another_action_or_one_the_reader_may_not_read_is_404(
    client, fra_delegate, niag_member, roadmap
):
    other = Assignment.objects.get(action__code="LOE-1.KO-1.A-2", organisation__code="FRA")
    other_update = update(fra_delegate, other, narrative="Elsewhere.")
    hidden = update(fra_delegate, fra_holder(), narrative="NATO only.")
    client.force_login(niag_member)

    for before in (other_update.pk, hidden.pk):
        response = client.get(OLDER, {"before": before}, **HTMX)
        assert response.status_code == 404
        assertNotContains(response, "Report", status_code=404)


def test_unknown_actions_are_404_and_non_members_403(client, fra_delegate, observer, roadmap):
    newest = update(fra_delegate, fra_holder(), narrative="Newest.")
    client.force_login(observer)
    missing = reverse("roadmap:action-timeline", args=["LOE-9.KO-1.A-1"])
    assert client.get(missing, {"before": newest.pk}).status_code == 404

    client.force_login(factories.UserFactory())
    assert client.get(OLDER, {"before": newest.pk}).status_code == 403


@pytest.mark.parametrize("count", [TIMELINE_PAGE + 5, 4 * TIMELINE_PAGE])
def test_an_older_page_costs_the_same_queries_however_long_the_timeline(
    client, fra_delegate, observer, roadmap, count
):
    report(fra_delegate, count)
    newest = StatusUpdate.objects.order_by("-created_at", "-pk").first()
    client.force_login(observer)
    client.get(OLDER, {"before": newest.pk})  # warm the session

    with CaptureQueriesContext(connection) as captured:
        response = client.get(OLDER, {"before": newest.pk})

    assert response.status_code == 200
    assert len(texts_of(response.content, "timeline__item")) == TIMELINE_PAGE
    # Session, user, memberships; the action; the anchor update; the page with its count.
    assert len(captured) <= 7, "\n\n".join(q["sql"] for q in captured.captured_queries)
