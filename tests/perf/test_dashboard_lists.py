"""The dashboard's short lists: the first ten in the right order and the count of all, however
many match, in one query each (the ids are sorted in a narrow subquery, then only those rows are
read in full)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Releasability
from roadmap import selectors
from roadmap.choices import Status
from tests import factories
from tests.tracker_rollups.building import report
from tracker.rollups import count_overdue_and_stale

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
WORST_FIRST = {Status.BLOCKED: 0, Status.OFF_TRACK: 1, Status.AT_RISK: 2}


@pytest.fixture
def many(secretariat_user):
    """25 holders of one action, each with its own due date in the past, reported at risk, off
    track or blocked in turn; every fourth completed since. 19 stay open: 7 at risk, 6 off
    track, 6 blocked."""
    action = factories.ActionItemFactory(due_date=datetime.date(2026, 12, 31))
    statuses = [Status.AT_RISK, Status.OFF_TRACK, Status.BLOCKED]
    for index in range(25):
        assignment = factories.AssignmentFactory(
            action=action,
            organisation=factories.AllyFactory(),
            due_date=TODAY - datetime.timedelta(days=50 - index),
        )
        if index % 4 == 3:
            report(secretariat_user, assignment, Status.COMPLETED, 100)
        else:
            report(secretariat_user, assignment, statuses[index % 3], 10 + index)
    return action


def test_the_overdue_list_shows_the_ten_longest_overdue_and_counts_them_all(many, secretariat_user):
    with CaptureQueriesContext(connection) as captured:
        overdue = selectors.overdue_assignments(user=secretariat_user, today=TODAY, count=19)

    due_dates = [item.effective_due_date for item in overdue.items]
    assert len(captured) == 1
    assert overdue.count == 19
    assert len(due_dates) == selectors.ATTENTION_LIMIT
    assert due_dates == sorted(due_dates)
    # The completed ones are not overdue, however old their due date.
    assert all(item.status != Status.COMPLETED for item in overdue.items)
    assert due_dates[0] == TODAY - datetime.timedelta(days=50)


def test_the_at_risk_list_is_worst_first_then_by_due_date(many, secretariat_user):
    at_risk = selectors.at_risk_assignments(user=secretariat_user)

    order = [(WORST_FIRST[item.shown_status], item.effective_due_date) for item in at_risk.items]
    assert at_risk.count == 19
    assert len(order) == selectors.ATTENTION_LIMIT
    assert order == sorted(order)
    assert {item.shown_status for item in at_risk.items} == {Status.BLOCKED, Status.OFF_TRACK}


def test_the_tallies_match_the_lists(many, secretariat_user):
    counts = count_overdue_and_stale(user=secretariat_user, today=TODAY)

    assert (
        counts["overdue"] == selectors.overdue_assignments(user=secretariat_user, today=TODAY).count
    )
    assert counts["at_risk"] == selectors.at_risk_assignments(user=secretariat_user).count == 19


def test_an_industry_reader_counts_and_lists_the_industry_release(
    many, secretariat_user, niag_member, fra
):
    assignment = factories.AssignmentFactory(organisation=fra)
    report(secretariat_user, assignment, Status.BLOCKED, 5, Releasability.NATO)

    counts = count_overdue_and_stale(user=niag_member, today=TODAY)
    at_risk = selectors.at_risk_assignments(user=niag_member, count=counts["at_risk"])

    # Everything was reported NATO only: industry reads no status, so nothing is at risk.
    assert counts["at_risk"] == 0
    assert at_risk.items == []


def test_this_weeks_count_goes_past_the_fifteen_shown(many, secretariat_user):
    recent = selectors.recent_status_updates(user=secretariat_user)

    assert recent.count == 25  # one update for each holder, all this week
    assert len(recent.items) == selectors.RECENT_LIMIT
    stamps = [update.created_at for update in recent.items]
    assert stamps == sorted(stamps, reverse=True)


def test_the_dashboard_shows_the_counts(client, many, secretariat_user):
    client.force_login(secretariat_user)

    response = client.get(reverse("roadmap:dashboard"))

    assert response.status_code == 200
    # The headings of both lists: 19 overdue, and 19 at risk, off track or blocked.
    assert response.content.decode().count('<span class="count">19</span>') == 2
