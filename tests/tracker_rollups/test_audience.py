"""Industry members roll up the industry release: a status marked NATO only never shows
through a figure, while NATO readers roll up the full record."""

import pytest

from accounts.choices import Releasability
from roadmap.choices import Status
from tests import factories
from tests.tracker_rollups.building import report
from tracker.rollups import rollup_by_organisation, rollup_for_action, rollup_roadmap

pytestmark = pytest.mark.django_db

INDUSTRY = Releasability.INDUSTRY


@pytest.fixture
def action(secretariat_user, fra, deu, dipb):
    """FRA released at risk 20 to industry, then reported blocked 5 NATO only; DEU reported
    only NATO only; DIPB released on track 70, then was cancelled NATO only."""
    action = factories.ActionItemFactory()
    holders = {
        org: factories.AssignmentFactory(action=action, organisation=org)
        for org in (fra, deu, dipb)
    }
    report(secretariat_user, holders[fra], Status.AT_RISK, 20, INDUSTRY)
    report(secretariat_user, holders[fra], Status.BLOCKED, 5)
    report(secretariat_user, holders[deu], Status.ON_TRACK, 50)
    report(secretariat_user, holders[dipb], Status.ON_TRACK, 70, INDUSTRY)
    report(secretariat_user, holders[dipb], Status.CANCELLED, 70)
    return action


def test_an_industry_member_rolls_up_only_the_industry_release(action, niag_member):
    figure = rollup_for_action(user=niag_member, action=action)

    assert (figure.progress, figure.status) == (45.0, Status.AT_RISK)
    assert figure.counted_children == [
        {"code": "DIPB", "status": "on_track", "progress": 70.0, "weight": "1/2"},
        {"code": "FRA", "status": "at_risk", "progress": 20.0, "weight": "1/2"},
    ]
    assert figure.not_reported_children == ["DEU"]
    assert figure.left_out_children == []
    assert figure.counts["blocked"] == 0
    assert figure.counts["cancelled"] == 0


def test_a_delegate_rolls_up_the_full_record(action, fra_delegate):
    figure = rollup_for_action(user=fra_delegate, action=action)

    assert (figure.progress, figure.status) == (27.5, Status.BLOCKED)
    assert figure.left_out_children == ["DIPB"]
    assert figure.not_reported_children == []


def test_no_nato_only_status_reaches_industry_through_any_level(action, niag_member, fra):
    rollup = rollup_roadmap(user=niag_member)
    outcome, line = action.outcome, action.outcome.line

    for figure in (rollup.action(action.pk), rollup.outcome(outcome.pk), rollup.line(line.pk)):
        assert (figure.progress, figure.status) == (45.0, Status.AT_RISK)
        assert figure.counts["blocked"] == 0
    assert (rollup.roadmap.progress, rollup.roadmap.status) == (45.0, Status.AT_RISK)
    fra_figure = rollup_by_organisation(user=niag_member)[fra.pk]
    assert (fra_figure.progress, fra_figure.status) == (20.0, Status.AT_RISK)
