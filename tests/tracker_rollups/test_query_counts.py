"""Roll-ups cost a fixed number of queries however large the roadmap: the database does the
arithmetic, never a Python loop over assignments."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from roadmap.choices import Status
from tests import factories
from tracker.rollups import (
    count_overdue_and_stale,
    rollup_by_organisation,
    rollup_by_organisation_and_line,
    rollup_for_line,
    rollup_roadmap,
)

pytestmark = pytest.mark.django_db
ROLLUP_QUERIES = 1  # the whole tree: actions, outcomes, lines and the roadmap
STATUSES = [Status.ON_TRACK, Status.AT_RISK, Status.BLOCKED, Status.COMPLETED, Status.CANCELLED]


def build(*, lines, outcomes, actions, holders):
    """lines x outcomes x actions x holders reported assignments with mixed statuses."""
    organisations = [factories.AllyFactory() for _ in range(holders)]
    reported = timezone.now()
    for line in factories.LineOfEffortFactory.create_batch(lines):
        for outcome in factories.KeyOutcomeFactory.create_batch(outcomes, line=line):
            for action in factories.ActionItemFactory.create_batch(actions, outcome=outcome):
                for index, organisation in enumerate(organisations):
                    status = STATUSES[(index + action.pk) % len(STATUSES)]
                    factories.AssignmentFactory(
                        action=action,
                        organisation=organisation,
                        status=status,
                        progress=100 if status == Status.COMPLETED else index * 7 % 100,
                        last_reported_at=reported,
                    )


def every_rollup(user):
    rollup = rollup_roadmap(user=user)
    rollup_by_organisation(user=user)
    rollup_by_organisation_and_line(user=user)
    count_overdue_and_stale(user=user)
    return rollup


@pytest.mark.parametrize("role_fixture", ["secretariat_user", "niag_member"])
def test_the_whole_roadmap_costs_the_same_for_10_and_300_assignments(
    request, role_fixture, django_assert_max_num_queries
):
    user = request.getfixturevalue(role_fixture)
    build(lines=1, outcomes=1, actions=2, holders=5)  # 10 assignments
    every_rollup(user)  # the user's memberships, read once and cached
    with CaptureQueriesContext(connection) as small:
        small_rollup = every_rollup(user)
    assert len(small) == ROLLUP_QUERIES + 3

    build(lines=3, outcomes=4, actions=5, holders=5)  # +300 assignments
    with django_assert_max_num_queries(len(small)):
        rollup = every_rollup(user)

    assert len(small_rollup.actions) == 2
    assert len(rollup.actions) == 2 + 60
    assert len(rollup.outcomes) == 1 + 12
    assert rollup.roadmap.counted + rollup.roadmap.left_out_cancelled == 1 + 3


def test_a_single_line_costs_two_queries_whatever_its_size(
    secretariat_user, django_assert_max_num_queries
):
    build(lines=1, outcomes=6, actions=10, holders=5)
    line = factories.LineOfEffortFactory._meta.model.objects.get()
    rollup_for_line(user=secretariat_user, line=line)

    with django_assert_max_num_queries(2):
        figure = rollup_for_line(user=secretariat_user, line=line)

    assert len(figure.counted_children) + len(figure.left_out_children) == 6
