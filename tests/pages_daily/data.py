"""Data for the daily pages' tests: a wide roadmap for query counts, and helpers that record
updates through the services as people would."""

import datetime

from django.db import transaction

from accounts.choices import Releasability
from roadmap.choices import AssignmentRole, Status
from roadmap.models import ActionItem, Assignment
from tests import factories
from tracker.services import UpdateRequest, record_imported_status, record_status_update

STATUS_CYCLE = [Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.BLOCKED, Status.COMPLETED]


def build_wide(*, organisations, actions_per_outcome: int, outcomes: int = 2, lines: int = 2):
    """Every organisation holds every action: lines x outcomes x actions x organisations
    assignments, statuses recorded through the service, with some left unreported."""
    created = []
    for line_number in range(1, lines + 1):
        line = factories.LineOfEffortFactory(number=line_number)
        for outcome_number in range(1, outcomes + 1):
            outcome = factories.KeyOutcomeFactory(line=line, number=outcome_number)
            for action_number in range(1, actions_per_outcome + 1):
                action = factories.ActionItemFactory(
                    outcome=outcome,
                    number=action_number,
                    due_date=datetime.date(2024, 1, 1) if action_number % 3 == 0 else None,
                )
                for index, organisation in enumerate(organisations):
                    created.append(
                        Assignment(
                            action=action,
                            organisation=organisation,
                            role=AssignmentRole.LEAD if index == 0 else AssignmentRole.CONTRIBUTOR,
                        )
                    )
    Assignment.objects.bulk_create(created)
    for position, assignment in enumerate(Assignment.objects.order_by("pk")):
        if position % 4 == 3:
            continue  # never reported
        status = STATUS_CYCLE[position % len(STATUS_CYCLE)]
        with transaction.atomic():
            record_imported_status(
                assignment=assignment,
                status=status,
                progress=100 if status == Status.COMPLETED else (position * 7) % 100,
            )
    return ActionItem.objects.order_by("code")


def update(
    user,
    assignment,
    *,
    status=Status.ON_TRACK,
    progress=50,
    narrative="",
    releasability=Releasability.NATO,
    evidence_links=(),
):
    assignment.refresh_from_db()
    return record_status_update(
        user=user,
        request=UpdateRequest(
            assignment_id=assignment.pk,
            base_version=assignment.version,
            status=status,
            progress=progress,
            narrative=narrative,
            releasability=releasability,
            evidence_links=list(evidence_links),
        ),
    )
