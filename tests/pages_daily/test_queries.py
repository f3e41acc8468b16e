"""Every daily page costs the same number of queries with a few assignments as with hundreds.

Each case measures a page on a small data set, grows the data past 200 assignments in play on
that page, and measures again. On failure the captured SQL is printed.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from roadmap.choices import AssignmentRole, Status
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort
from tests import factories
from tests.pages_daily.data import STATUS_CYCLE, update
from tracker.services import record_imported_status


def grow(*, organisations: int, actions_per_outcome: int, lines: int = 2, outcomes: int = 2):
    """Adds lines, outcomes, actions, organisations and assignments up to the given sizes;
    every organisation holds every action. Statuses go through the service."""
    orgs = [factories.OrganisationFactory(code=f"Z{n:02d}") for n in range(organisations)]
    fresh = []
    roadmap = factories.RoadmapFactory()
    for line_number in range(1, lines + 1):
        line, _ = LineOfEffort.objects.get_or_create(
            number=line_number,
            defaults={"roadmap": roadmap, "code": f"LOE-{line_number}", "title": "Line"},
        )
        for outcome_number in range(1, outcomes + 1):
            outcome, _ = KeyOutcome.objects.get_or_create(
                line=line,
                number=outcome_number,
                defaults={"code": f"{line.code}.KO-{outcome_number}", "title": "Outcome"},
            )
            for number in range(1, actions_per_outcome + 1):
                action, _ = ActionItem.objects.get_or_create(
                    outcome=outcome,
                    number=number,
                    defaults={"code": f"{outcome.code}.A-{number}", "title": "Action"},
                )
                held = set(action.assignments.values_list("organisation_id", flat=True))
                fresh += [
                    Assignment(action=action, organisation=org, role=AssignmentRole.CONTRIBUTOR)
                    for org in orgs
                    if org.pk not in held
                ]
    Assignment.objects.bulk_create(fresh)
    for position, assignment in enumerate(Assignment.objects.filter(version=1).order_by("pk")):
        if position % 5 == 4:
            continue
        status = STATUS_CYCLE[position % len(STATUS_CYCLE)]
        with transaction.atomic():
            record_imported_status(
                assignment=assignment,
                status=status,
                progress=100 if status == Status.COMPLETED else position % 100,
            )


def queries_for(client, url: str) -> CaptureQueriesContext:
    client.get(url)  # warm caches (content types, session) out of the count
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:  # a CSV download reads its rows while it is sent
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return captured


def assert_same_queries(small, large):
    assert len(small) == len(large), "\n\n".join(q["sql"] for q in large.captured_queries)


@pytest.fixture
def z00_delegate(db):
    organisation = factories.OrganisationFactory(code="Z00")
    return factories.member(organisation, Role.BOARD_MEMBER, email="z00@example.org")


# (url, small shape, large shape): the large one puts 200+ assignments on the page.
WHOLE_ROADMAP = (
    {"organisations": 3, "actions_per_outcome": 1},
    {"organisations": 12, "actions_per_outcome": 5},
)  # 240
ONE_ACTION = {"actions_per_outcome": 1, "lines": 1, "outcomes": 1}
MANY_HOLDERS = (
    {"organisations": 3, **ONE_ACTION},
    {"organisations": 210, **ONE_ACTION},
)  # 210 on one action
MANY_ACTIONS = (
    {"organisations": 1, "actions_per_outcome": 2},
    {"organisations": 1, "actions_per_outcome": 55},
)  # 220 for one organisation
CASES = {
    "dashboard": (reverse("roadmap:dashboard"), WHOLE_ROADMAP),
    "home": (reverse("roadmap:home"), WHOLE_ROADMAP),
    "all assignments": (reverse("worklist:all") + "?ordering=-status", WHOLE_ROADMAP),
    "filtered list": (reverse("worklist:all") + "?status=blocked&line=LOE-1", WHOLE_ROADMAP),
    "my worklist": (reverse("worklist:mine"), MANY_ACTIONS),
    "csv export": (reverse("worklist:all-csv"), WHOLE_ROADMAP),
    "xlsx export": (reverse("worklist:mine-xlsx"), MANY_ACTIONS),
    "line": (reverse("roadmap:line", args=["LOE-1"]), WHOLE_ROADMAP),
    "outcome": (reverse("roadmap:outcome", args=["LOE-1.KO-1"]), MANY_HOLDERS),
    "action": (reverse("roadmap:action", args=["LOE-1.KO-1.A-1"]), MANY_HOLDERS),
    "organisation": (reverse("roadmap:organisation", args=["Z00"]), MANY_ACTIONS),
}


# The target for every page and list (issue 8): at most 12 queries, 4 of them paid by any
# signed-in request (session, user, memberships, and the second factor's device or check).
MAX_QUERIES = 12
MINE_ONLY = {"my worklist", "xlsx export"}
READERS = [
    *[(case, role) for case in CASES if case not in MINE_ONLY for role in ("sec", "industry")],
    *[(case, "delegate") for case in MINE_ONLY],
]
ROLE_FIXTURES = {"sec": "secretariat_user", "industry": "niag_member", "delegate": "z00_delegate"}


@pytest.mark.parametrize(("case", "role"), READERS)
def test_constant_queries(client, request, case, role, z00_delegate):
    url, (small, large) = CASES[case]
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    grow(**small)
    update(
        z00_delegate,
        Assignment.objects.filter(organisation__code="Z00").first(),
        narrative="An update this week.",
        evidence_links=["https://example.org/e"],
    )

    before = queries_for(client, url)
    grow(**large)
    after = queries_for(client, url)

    assert Assignment.objects.count() >= 200
    assert_same_queries(before, after)
    assert len(after) <= MAX_QUERIES, "\n\n".join(q["sql"] for q in after.captured_queries)


def test_the_action_page_with_secretariat_controls_on_every_row(client, secretariat_user, db):
    url = reverse("roadmap:action", args=["LOE-1.KO-1.A-1"])
    client.force_login(secretariat_user)
    grow(**MANY_HOLDERS[0])
    before = queries_for(client, url)
    grow(**MANY_HOLDERS[1])
    after = queries_for(client, url)

    assert ActionItem.objects.get(code="LOE-1.KO-1.A-1").assignments.count() == 210
    assert_same_queries(before, after)
    assert len(after) <= 25
