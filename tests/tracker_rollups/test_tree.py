"""The whole tree comes from one query; its figures read the same at every level."""

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from tests.tracker_rollups.test_query_counts import build
from tracker.rollups import rollup_roadmap

pytestmark = pytest.mark.django_db


def test_counts_are_whole_numbers_at_every_level(secretariat_user):
    """PostgreSQL sums counts as numeric; the API must still show 3, not 3.0 or "3"."""
    build(lines=2, outcomes=2, actions=2, holders=3)

    rollup = rollup_roadmap(user=secretariat_user)

    figures = [rollup.roadmap, *rollup.lines.values(), *rollup.outcomes.values()]
    for figure in figures:
        shown = json.loads(json.dumps(figure.as_dict(), cls=DjangoJSONEncoder))
        assert all(type(count) is int for count in shown["counts"].values()), shown["counts"]
    assert sum(rollup.roadmap.counts.values()) == 2 * 2 * 2 * 3


def test_each_level_sums_the_assignments_beneath_it(secretariat_user):
    build(lines=2, outcomes=3, actions=2, holders=4)

    rollup = rollup_roadmap(user=secretariat_user)

    def total(figures):
        return sum(sum(figure.counts.values()) for figure in figures)

    assert (
        total(rollup.actions.values())
        == total(rollup.outcomes.values())
        == total(rollup.lines.values())
        == sum(rollup.roadmap.counts.values())
        == 2 * 3 * 2 * 4
    )
