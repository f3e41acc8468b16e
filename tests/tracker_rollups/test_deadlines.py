"""Overdue, stale and at-risk counts, on the record each reader may read."""

import datetime

import pytest
from django.utils import timezone

from accounts.choices import Releasability
from roadmap.choices import Status
from tests import factories
from tests.tracker_rollups.building import report
from tracker.rollups import count_overdue_and_stale

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 1, 31)
TODAY = DUE + datetime.timedelta(days=1)


@pytest.fixture
def later(settings, secretariat_user, fra, deu, dipb):
    """The moment the counts are taken: 100 days after the assignments were created."""
    settings.STALE_AFTER_DAYS = 90
    created = timezone.now()
    recent = created + datetime.timedelta(days=95)
    action = factories.ActionItemFactory(due_date=DUE)
    # FRA: open, past the action's due date, reported five days ago (NATO only).
    fra_part = factories.AssignmentFactory(action=action, organisation=fra)
    report(secretariat_user, fra_part, Status.ON_TRACK, 40, now=recent)
    # DEU: released at risk to industry long ago, completed since (NATO only).
    deu_part = factories.AssignmentFactory(action=action, organisation=deu)
    report(secretariat_user, deu_part, Status.AT_RISK, 30, Releasability.INDUSTRY, now=created)
    report(secretariat_user, deu_part, Status.COMPLETED, 100, now=recent)
    # DIPB: its own due date is far off; never reported.
    factories.AssignmentFactory(
        action=action, organisation=dipb, due_date=datetime.date(2030, 1, 1)
    )
    return created + datetime.timedelta(days=100)


def test_nato_readers_count_on_the_full_record(later, fra_delegate):
    counts = count_overdue_and_stale(user=fra_delegate, today=TODAY, now=later)

    # Overdue: FRA (DEU completed; DIPB not due). Stale: DIPB, never reported in 100 days.
    # At risk: none, DEU's old "at risk" was overtaken by its completion.
    assert counts == {"overdue": 1, "stale": 1, "at_risk": 0}


def test_industry_members_count_on_the_industry_release(later, niag_member):
    counts = count_overdue_and_stale(user=niag_member, today=TODAY, now=later)

    # The NATO-only completion of DEU stays unseen: still overdue, stale for industry, and
    # still at risk as industry last read it.
    assert counts == {"overdue": 2, "stale": 3, "at_risk": 1}
