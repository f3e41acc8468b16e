"""The assignment list's lean read path: rows read as plain values and written out by hand,
the due dates joined only where something needs them, the filter set built only when asked.
Each keeps the answers the declared fields and the full queryset would give."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers as drf
from rest_framework.test import APIRequestFactory

from tests import factories
from tests.api.conftest import record
from tracker import selectors
from tracker.api.serializers import AssignmentSerializer

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def dated(world, fra, deu, secretariat_user):
    """The world's action due in a month; beside it one with no due date, whose FRA
    assignment has its own, passed; DEU's there has no date at all and no report."""
    world.action.due_date = TODAY + timedelta(days=30)
    world.action.save(update_fields=["due_date"])
    undated = factories.ActionItemFactory(
        outcome=world.action.outcome, number=2, title="Stockpile germanium", due_date=None
    )
    late = factories.AssignmentFactory(
        action=undated, organisation=fra, due_date=TODAY - timedelta(days=3)
    )
    factories.AssignmentFactory(action=undated, organisation=deu, due_date=None)
    record(secretariat_user, late, progress=40)
    return late


@pytest.mark.parametrize("role", ["secretariat_user", "fra_delegate", "niag_member"])
def test_each_row_reads_as_its_declared_fields_would(role, request, dated):
    user = request.getfixturevalue(role)
    http = APIRequestFactory().get("/api/v1/assignments/")
    http.user = user
    serializer = AssignmentSerializer(context={"request": http})
    rows = list(selectors.assignment_rows(selectors.assignment_scope(user=user), user=user))

    assert len(rows) == 6
    assert any(row["effective_due_date"] is None for row in rows)
    assert any(row["shown_reported_at"] is None for row in rows)
    for zone in ("Europe/Brussels", "UTC"):  # UTC is written with "Z"
        with timezone.override(zone):
            for row in rows:
                assert serializer.to_representation(row) == drf.Serializer.to_representation(
                    serializer, row
                )


def test_the_list_and_the_detail_give_the_same_row(client_as, dated):
    api = client_as("fra_delegate")
    listed = api.get("/api/v1/assignments/").json()["results"]

    assert len(listed) == 6
    for row in listed:
        assert api.get(f"/api/v1/assignments/{row['id']}/").json() == row
    late = next(row for row in listed if row["id"] == dated.pk)
    assert late["due_date"] == (TODAY - timedelta(days=3)).isoformat()
    assert late["is_overdue"] is True and late["can_update"] is True


def _count_query(client, url) -> str:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return next(q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)"))


def test_the_count_joins_actions_only_when_a_filter_needs_their_dates(client_as, dated):
    api = client_as("fra_delegate")

    assert "roadmap_actionitem" not in _count_query(api, "/api/v1/assignments/")
    assert "roadmap_actionitem" not in _count_query(api, "/api/v1/assignments/?status=on_track")
    assert "roadmap_actionitem" in _count_query(api, "/api/v1/assignments/?overdue=true")


def test_due_date_filters_and_ordering_still_use_the_action_s_date(client_as, dated, world):
    api = client_as("fra_delegate")
    action_due = world.action.due_date
    assert action_due is not None

    overdue = api.get("/api/v1/assignments/?overdue=true").json()
    assert [row["id"] for row in overdue["results"]] == [dated.pk]

    before = api.get(f"/api/v1/assignments/?due_before={action_due.isoformat()}").json()
    assert before["count"] == 5  # the world's four fall back to their action's date

    ordered = api.get("/api/v1/assignments/?ordering=due_date").json()["results"]
    dates = [row["due_date"] for row in ordered]
    # Where the undated one goes is the database's choice (NULLs first or last).
    assert [d for d in dates if d] == [dated.due_date.isoformat()] + [action_due.isoformat()] * 4
    assert dates.count(None) == 1


def test_parameters_that_name_no_filter_change_nothing_and_bad_values_still_fail(client_as, dated):
    api = client_as("fra_delegate")

    assert api.get("/api/v1/assignments/?colour=blue").json()["count"] == 6
    refused = api.get("/api/v1/assignments/?overdue=maybe")
    assert refused.status_code == 400 and "overdue" in refused.json()
    refused = api.get("/api/v1/assignments/?due_after=2030-02-30")
    assert refused.status_code == 400
