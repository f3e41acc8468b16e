import pytest

from accounts.choices import Releasability
from roadmap.choices import AssignmentRole, Status
from tests import factories
from tests.pages.roadmap_data import build_roadmap
from tracker.services import UpdateRequest, record_status_update


@pytest.fixture
def roadmap(db):
    return build_roadmap()


def report(user, assignment, status, progress, releasability):
    assignment.refresh_from_db()
    record_status_update(
        user=user,
        request=UpdateRequest(
            assignment_id=assignment.pk,
            base_version=assignment.version,
            status=status,
            progress=progress,
            narrative="Reported for the page test.",
            releasability=releasability,
        ),
    )


@pytest.fixture
def released_and_nato_only(secretariat_user, fra, deu):
    """FRA released at risk 20 % to industry, then reported blocked 5 % NATO only; DEU never
    reported."""
    action = factories.ActionItemFactory(title="Stockpile gallium")
    fra_part = factories.AssignmentFactory(
        action=action, organisation=fra, role=AssignmentRole.LEAD
    )
    factories.AssignmentFactory(action=action, organisation=deu)
    report(secretariat_user, fra_part, Status.AT_RISK, 20, Releasability.INDUSTRY)
    report(secretariat_user, fra_part, Status.BLOCKED, 5, Releasability.NATO)
    return action
