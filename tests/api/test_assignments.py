"""The assignment list: filters, search, ordering, pagination and the ETag."""

from datetime import timedelta

import pytest
from django.utils import timezone

from roadmap.choices import AssignmentRole
from roadmap.models import Assignment
from tests import factories
from tests.api.conftest import record
from tests.api.matrix import assert_status
from tracker import selectors
from tracker.filtersets import AssignmentFilterSet

pytestmark = pytest.mark.django_db
URL = "/api/v1/assignments/"


@pytest.fixture
def spread(world, fra, deu, secretariat_user):
    """Besides the world's LOE-1 action: a LOE-2 action held by DEU (overdue, never
    reported, long ago: stale) and FRA (completed)."""
    today = timezone.localdate()
    action = factories.ActionItemFactory(
        outcome__line__number=2, outcome__number=1, number=1, title="Recycle rare earths"
    )
    late = factories.AssignmentFactory(
        action=action, organisation=deu, role=AssignmentRole.LEAD, due_date=today - timedelta(1)
    )
    Assignment.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(days=400))
    done = factories.AssignmentFactory(action=action, organisation=fra, due_date=today)
    record(secretariat_user, done, status="completed", progress=100, narrative="Done.")
    return {"late": late, "done": done}


def codes(response):
    assert_status(response, 200)
    return [(a["action"], a["organisation"]) for a in response.data["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("line=LOE-2", [("LOE-2.KO-1.A-1", "DEU"), ("LOE-2.KO-1.A-1", "FRA")]),
        ("outcome=LOE-2.KO-1", [("LOE-2.KO-1.A-1", "DEU"), ("LOE-2.KO-1.A-1", "FRA")]),
        ("action=LOE-2.KO-1.A-1&organisation=FRA", [("LOE-2.KO-1.A-1", "FRA")]),
        (
            "organisation=DEU&organisation=DIPB",
            [("LOE-1.KO-1.A-1", "DEU"), ("LOE-1.KO-1.A-1", "DIPB"), ("LOE-2.KO-1.A-1", "DEU")],
        ),
        ("status=completed&status=blocked", [("LOE-1.KO-1.A-1", "FRA"), ("LOE-2.KO-1.A-1", "FRA")]),
        ("role=lead", [("LOE-1.KO-1.A-1", "FRA"), ("LOE-2.KO-1.A-1", "DEU")]),
        ("overdue=true", [("LOE-2.KO-1.A-1", "DEU")]),
        ("stale=true", [("LOE-2.KO-1.A-1", "DEU")]),
        ("q=rare earth", [("LOE-2.KO-1.A-1", "DEU"), ("LOE-2.KO-1.A-1", "FRA")]),
        ("q=germany&line=LOE-1", [("LOE-1.KO-1.A-1", "DEU")]),
        ("q=niag", [("LOE-1.KO-1.A-1", "NIAG")]),
    ],
)
def test_filters(query, expected, spread, client_as):
    assert codes(client_as("observer").get(f"{URL}?{query}")) == expected


def test_due_date_filters_use_the_effective_due_date(spread, world, client_as):
    world.action.due_date = timezone.localdate() + timedelta(days=30)
    world.action.save()
    client = client_as("observer")
    today = timezone.localdate().isoformat()

    before = codes(client.get(f"{URL}?due_before={today}"))
    after = codes(client.get(f"{URL}?due_after={today}&line=LOE-1"))

    assert before == [("LOE-2.KO-1.A-1", "DEU"), ("LOE-2.KO-1.A-1", "FRA")]
    assert len(after) == 4


def test_not_overdue_includes_assignments_without_due_date(spread, client_as):
    result = codes(client_as("observer").get(f"{URL}?overdue=false"))

    assert len(result) == 5
    assert ("LOE-2.KO-1.A-1", "DEU") not in result


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("organisation=XXX", "organisation"),
        ("line=LOE-99", "line"),
        ("status=finished", "status"),
        ("due_before=yesterday", "due_before"),
        ("overdue=maybe", "overdue"),
        ("role=boss", "role"),
        ("ordering=password", "ordering"),
    ],
)
def test_bad_filters_are_400_naming_the_filter(query, field, world, client_as):
    response = client_as("observer").get(f"{URL}?{query}")

    assert_status(response, 400)
    assert field in response.data


def test_ordering(spread, client_as):
    client = client_as("secretariat_user")

    by_progress = client.get(f"{URL}?ordering=-progress,organisation").data["results"]

    assert [(a["progress"], a["organisation"]) for a in by_progress][:2] == [
        (100, "FRA"),
        (30, "FRA"),
    ]


def test_rows_that_tie_keep_the_lists_own_order(spread, client_as, secretariat_user, rf):
    rows = client_as("secretariat_user").get(f"{URL}?ordering=status").data["results"]

    keys = [(a["status"], a["action"], a["organisation"]) for a in rows]
    assert len(set(a["status"] for a in rows)) < len(rows)  # some statuses tie
    assert keys == sorted(keys)
    # Whatever plan the database picks: the order itself names the tiebreak.
    request = rf.get(URL)
    request.user = secretariat_user
    filterset = AssignmentFilterSet(
        {"ordering": "-progress"},
        queryset=selectors.assignment_scope(user=secretariat_user),
        request=request,
    )
    assert filterset.is_valid()
    assert filterset.qs.query.order_by == (
        "-shown_progress",
        "action__code",
        "organisation__code",
        "pk",
    )


def test_fields_and_etag(world, client_as):
    response = client_as("fra_delegate").get(f"{URL}{world.fra_assignment.pk}/")

    assert_status(response, 200)
    assert response["ETag"] == '"3"'
    assert response.data == {
        "id": world.fra_assignment.pk,
        "action": "LOE-1.KO-1.A-1",
        "action_title": "Map gallium supply",
        "organisation": "FRA",
        "role": "lead",
        "due_date": None,
        "status": "blocked",
        "progress": 30,
        "last_reported_at": response.data["last_reported_at"],
        "version": 3,
        "is_overdue": False,
        "is_stale": False,
        "can_update": True,
    }
    assert response.data["last_reported_at"]


@pytest.mark.parametrize(
    ("role", "can_update"),
    [
        ("fra_delegate", True),
        ("deu_delegate", False),
        ("observer", False),
        ("secretariat_user", True),
    ],
)
def test_can_update_follows_policy(role, can_update, world, client_as):
    response = client_as(role).get(f"{URL}{world.fra_assignment.pk}/")

    assert response.data["can_update"] is can_update


def test_page_size_is_bounded(world, client_as):
    client = client_as("observer")

    assert len(client.get(f"{URL}?page_size=2").data["results"]) == 2
    big = client.get(f"{URL}?page_size=100000")
    assert_status(big, 200)
    assert big.data["count"] == 4
    assert_status(client.get(f"{URL}?page=9"), 404)


def test_action_items_filter_and_lookup_by_code(spread, client_as):
    client = client_as("observer")

    listed = client.get("/api/v1/action-items/?line=LOE-2&organisation=DEU").data["results"]
    detail = client.get("/api/v1/action-items/LOE-2.KO-1.A-1/").data

    assert [a["code"] for a in listed] == ["LOE-2.KO-1.A-1"]
    assert [a["organisation"] for a in detail["assignees"]] == ["DEU", "FRA"]
    assert_status(client.get("/api/v1/action-items/LOE-9.KO-1.A-1/"), 404)


def test_outcomes_filter_by_line(spread, client_as):
    listed = client_as("observer").get("/api/v1/key-outcomes/?line=LOE-2").data["results"]

    assert [(o["code"], o["line"], o["actions"]) for o in listed] == [
        ("LOE-2.KO-1", "LOE-2", ["LOE-2.KO-1.A-1"])
    ]
