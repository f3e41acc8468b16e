"""A small, realistic roadmap for page and browser tests: working-title lines, illustrative
outcomes and actions, and assignments with mixed roles, statuses and progress."""

import datetime

from django.db import transaction

from accounts.choices import OrganisationKind
from roadmap.choices import AssignmentRole, Status, TitleStatus
from tests import factories
from tracker.services import record_imported_status

LINE_TITLES = [
    "Awareness of defence-critical supply chains and vulnerabilities",
    "Sharing best practices among Allies",
    "Strategic stockpiling",
    "Substitution and recycling of materials for defence applications",
]

# (outcome title, [(action title, [(org code, role, status, progress), ...]), ...])
OUTCOMES = [
    (
        "Allies share a common picture of defence-critical raw materials",
        [
            (
                "Map national dependencies on the twelve defence-critical raw materials",
                [
                    ("FRA", AssignmentRole.LEAD, Status.ON_TRACK, 60),
                    ("DEU", AssignmentRole.CONTRIBUTOR, Status.AT_RISK, 25),
                    ("DIPB", AssignmentRole.CONTRIBUTOR, Status.COMPLETED, 100),
                    ("NIAG", AssignmentRole.CONTRIBUTOR, Status.NOT_STARTED, 0),
                ],
            ),
            (
                "Agree a shared method to rate supply risk",
                [
                    ("DIPB", AssignmentRole.LEAD, Status.OFF_TRACK, 35),
                    ("FRA", AssignmentRole.CONTRIBUTOR, Status.BLOCKED, 10),
                    ("NIAG", AssignmentRole.CONTRIBUTOR, Status.ON_TRACK, 50),
                ],
            ),
        ],
    ),
    (
        "Industry knows which sub-tier suppliers matter most",
        [
            (
                "Survey prime contractors on single-source sub-tier suppliers",
                [
                    ("NIAG", AssignmentRole.LEAD, Status.ON_TRACK, 45),
                    ("DEU", AssignmentRole.CONTRIBUTOR, Status.CANCELLED, 0),
                    ("FRA", AssignmentRole.CONTRIBUTOR, Status.AT_RISK, 30),
                ],
            ),
        ],
    ),
]


def build_roadmap():
    """Returns the lines; the last line has no outcomes, to show the per-line empty state."""
    organisations = {
        "FRA": factories.AllyFactory(code="FRA", name="France", iso3="FRA"),
        "DEU": factories.AllyFactory(code="DEU", name="Germany", iso3="DEU"),
        "DIPB": factories.OrganisationFactory(
            code="DIPB", name="Defence Industrial Production Board", kind=OrganisationKind.BOARD
        ),
        "NIAG": factories.OrganisationFactory(
            code="NIAG",
            name="NATO Industrial Advisory Group",
            kind=OrganisationKind.INDUSTRY_GROUP,
        ),
    }
    lines = [
        factories.LineOfEffortFactory(number=number, title=title, title_status=TitleStatus.WORKING)
        for number, title in enumerate(LINE_TITLES, start=1)
    ]
    for line in lines[:3]:
        for outcome_number, (outcome_title, actions) in enumerate(OUTCOMES, start=1):
            outcome = factories.KeyOutcomeFactory(
                line=line, number=outcome_number, title=outcome_title, is_illustrative=True
            )
            for action_number, (action_title, holders) in enumerate(actions, start=1):
                action = factories.ActionItemFactory(
                    outcome=outcome,
                    number=action_number,
                    title=action_title,
                    is_illustrative=True,
                    due_date=datetime.date(2026, 6, 30),
                )
                for code, role, status, progress in holders:
                    assignment = factories.AssignmentFactory(
                        action=action, organisation=organisations[code], role=role
                    )
                    # Through the service, as a data file would, so the status is reported.
                    with transaction.atomic():
                        record_imported_status(
                            assignment=assignment, status=status, progress=progress
                        )
    return lines
