"""Builds assignment states through the status-update service, as in real use, so the
industry release and the report dates are set the way production sets them."""

from accounts.choices import Releasability
from roadmap.models import Assignment
from tests import factories
from tracker.services import UpdateRequest, record_status_update

NOT_REPORTED = None


def report(user, assignment, status, progress, releasability=Releasability.NATO, now=None):
    """Records one update through the service, based on the assignment's current version."""
    current = Assignment.objects.get(pk=assignment.pk)
    record_status_update(
        user=user,
        request=UpdateRequest(
            assignment_id=current.pk,
            base_version=current.version,
            status=status,
            progress=progress,
            narrative="Reported for the roll-up tests.",
            releasability=releasability,
        ),
        now=now,
    )


def build_action(user, outcome, number, holders):
    """holders: [(organisation, status or NOT_REPORTED, progress)]."""
    action = factories.ActionItemFactory(outcome=outcome, number=number)
    for organisation, status, progress in holders:
        assignment = factories.AssignmentFactory(action=action, organisation=organisation)
        if status is not NOT_REPORTED:
            report(user, assignment, status, progress)
    return action
