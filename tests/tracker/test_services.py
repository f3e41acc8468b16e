"""record_status_update is the only way a status changes: what it records, and every refusal,
after which nothing at all has been written."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from accounts.choices import Releasability
from roadmap.choices import AssignmentRole, Status
from roadmap.models import Assignment
from tests import factories
from tracker.models import StatusUpdate
from tracker.services import (
    BulkUpdateError,
    UpdateRequest,
    VersionConflict,
    record_status_update,
    record_status_updates,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
# The fields an update may change, read back from the database.
STATE_FIELDS = (
    "status",
    "progress",
    "version",
    "last_reported_at",
    "industry_status",
    "industry_progress",
    "industry_reported_at",
)


@pytest.fixture
def assignment(fra):
    return factories.AssignmentFactory(organisation=fra, role=AssignmentRole.LEAD)


def update_of(assignment, **changes) -> UpdateRequest:
    """A valid request based on the assignment's current version, with `changes` applied."""
    values = {
        "assignment_id": assignment.pk,
        "base_version": assignment.version,
        "status": Status.ON_TRACK,
        "progress": 50,
        "narrative": "Mapping is under way in three ministries.",
    }
    return UpdateRequest(**{**values, **changes})


def state(assignment) -> dict:
    return Assignment.objects.filter(pk=assignment.pk).values(*STATE_FIELDS).get()


# Recording


def test_a_delegate_records_an_update_of_their_own_organisation(fra_delegate, assignment):
    request = update_of(
        assignment,
        status=Status.AT_RISK,
        progress=35,
        evidence_links=["https://example.org/report.pdf"],
    )

    update = record_status_update(user=fra_delegate, request=request, now=NOW)

    assignment.refresh_from_db()
    assert (assignment.status, assignment.progress, assignment.version) == (Status.AT_RISK, 35, 2)
    assert assignment.last_reported_at == NOW
    stored = StatusUpdate.objects.get()
    assert stored == update
    assert (stored.assignment, stored.author, stored.base_version, stored.version) == (
        assignment,
        fra_delegate,
        1,
        2,
    )
    assert (stored.status, stored.progress, stored.created_at) == (Status.AT_RISK, 35, NOW)
    assert stored.narrative == "Mapping is under way in three ministries."
    assert stored.evidence_links == ["https://example.org/report.pdf"]
    assert stored.releasability == Releasability.NATO


def test_each_update_bumps_the_version_by_one_and_is_kept(fra_delegate, assignment):
    for progress in (10, 20, 30):
        assignment.refresh_from_db()
        record_status_update(user=fra_delegate, request=update_of(assignment, progress=progress))

    assignment.refresh_from_db()
    assert (assignment.progress, assignment.version) == (30, 4)
    history = assignment.updates.order_by("version").values_list("base_version", "version")
    assert list(history) == [(1, 2), (2, 3), (3, 4)]


def test_without_a_time_the_update_is_stamped_now(fra_delegate, assignment):
    before = timezone.now()

    update = record_status_update(user=fra_delegate, request=update_of(assignment))

    assignment.refresh_from_db()
    assert before <= update.created_at <= timezone.now()
    assert assignment.last_reported_at == update.created_at


@pytest.mark.parametrize("releasability", [Releasability.INDUSTRY, Releasability.PUBLIC])
def test_an_update_industry_may_read_becomes_the_industry_status(
    fra_delegate, assignment, releasability
):
    request = update_of(assignment, progress=60, releasability=releasability)

    record_status_update(user=fra_delegate, request=request, now=NOW)

    current = state(assignment)
    assert (current["industry_status"], current["industry_progress"]) == (Status.ON_TRACK, 60)
    assert current["industry_reported_at"] == NOW


def test_a_nato_only_update_never_reaches_the_industry_status(fra_delegate, assignment):
    # Given an update released to industry
    released = update_of(assignment, progress=20, releasability=Releasability.INDUSTRY)
    record_status_update(user=fra_delegate, request=released, now=NOW)

    # When a later update is marked NATO only
    assignment.refresh_from_db()
    nato_only = update_of(
        assignment, status=Status.BLOCKED, progress=25, releasability=Releasability.NATO
    )
    record_status_update(user=fra_delegate, request=nato_only, now=NOW + datetime.timedelta(1))

    # Then NATO readers see it and industry still sees the released one
    current = state(assignment)
    assert (current["status"], current["progress"], current["version"]) == (Status.BLOCKED, 25, 3)
    assert (current["industry_status"], current["industry_progress"]) == (Status.ON_TRACK, 20)
    assert current["industry_reported_at"] == NOW


def test_a_first_nato_only_update_leaves_the_industry_status_empty(fra_delegate, assignment):
    record_status_update(user=fra_delegate, request=update_of(assignment), now=NOW)

    current = state(assignment)
    assert (current["industry_status"], current["industry_progress"]) == ("", None)
    assert current["industry_reported_at"] is None


@pytest.mark.parametrize(
    ("member_fixture", "org_fixture"),
    [("dipb_member", "dipb"), ("niag_member", "niag"), ("secretariat_user", "deu")],
)
def test_board_industry_and_secretariat_members_update_what_they_may(
    request, member_fixture, org_fixture
):
    user = request.getfixturevalue(member_fixture)
    assignment = factories.AssignmentFactory(organisation=request.getfixturevalue(org_fixture))

    update = record_status_update(user=user, request=update_of(assignment))

    assert update.author == user
    assert state(assignment)["version"] == 2


def test_completed_with_evidence_and_no_narrative_is_accepted(fra_delegate, assignment):
    request = update_of(
        assignment,
        status=Status.COMPLETED,
        progress=100,
        narrative="",
        evidence_links=["https://example.org/final-report.pdf"],
    )

    record_status_update(user=fra_delegate, request=request)

    assert (state(assignment)["status"], state(assignment)["progress"]) == (Status.COMPLETED, 100)


def test_a_narrative_of_exactly_the_limit_is_accepted(fra_delegate, assignment):
    record_status_update(user=fra_delegate, request=update_of(assignment, narrative="x" * 10_000))

    assert len(StatusUpdate.objects.get().narrative) == 10_000


# Refusals: the field is named and nothing is written


@pytest.fixture
def unchanged(assignment):
    """Asserts, after the test, that the assignment and the history are as they were."""
    before = state(assignment)
    updates_before = StatusUpdate.objects.count()
    yield
    assert state(assignment) == before
    assert StatusUpdate.objects.count() == updates_before


BAD_VALUES = {
    "unknown status": ({"status": "done"}, "status"),
    "progress -1": ({"progress": -1}, "progress"),
    "progress 101": ({"progress": 101}, "progress"),
    "progress as text": ({"progress": "50"}, "progress"),
    "progress as a boolean": ({"progress": True}, "progress"),
    "progress missing": ({"progress": None}, "progress"),
    "completed without narrative or evidence": (
        {"status": Status.COMPLETED, "progress": 100, "narrative": "  "},
        "narrative",
    ),
    "completed at 90": ({"status": Status.COMPLETED, "progress": 90}, "progress"),
    "narrative over 10,000 characters": ({"narrative": "x" * 10_001}, "narrative"),
    "evidence not a list": ({"evidence_links": "https://example.org/a"}, "evidence_links"),
    "evidence a javascript URL": ({"evidence_links": ["javascript:alert(1)"]}, "evidence_links"),
    "evidence not text": ({"evidence_links": [42]}, "evidence_links"),
    "evidence too many links": (
        {"evidence_links": [f"https://example.org/{n}" for n in range(21)]},
        "evidence_links",
    ),
    "unknown releasability": ({"releasability": "secret"}, "releasability"),
}


@pytest.mark.parametrize(("changes", "field"), BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_bad_values_are_refused_naming_the_field(
    fra_delegate, assignment, unchanged, changes, field
):
    with pytest.raises(ValidationError) as caught:
        record_status_update(user=fra_delegate, request=update_of(assignment, **changes))

    assert set(caught.value.message_dict) == {field}
    assert all(caught.value.message_dict[field])


def test_every_bad_field_is_reported_at_once(fra_delegate, assignment, unchanged):
    request = update_of(assignment, status="done", progress=101, releasability="secret")

    with pytest.raises(ValidationError) as caught:
        record_status_update(user=fra_delegate, request=request)

    assert set(caught.value.message_dict) == {"status", "progress", "releasability"}


def test_a_stale_version_is_a_conflict_carrying_the_current_state(
    fra_delegate, secretariat_user, assignment
):
    # Given two people who read version 1
    first = update_of(assignment, status=Status.AT_RISK, progress=30)
    second = update_of(assignment, status=Status.ON_TRACK, progress=70)
    record_status_update(user=fra_delegate, request=first, now=NOW)
    updates_before = StatusUpdate.objects.count()
    before = state(assignment)

    # When the second one sends their update based on version 1
    with pytest.raises(VersionConflict) as caught:
        record_status_update(user=secretariat_user, request=second)

    # Then they are told what the assignment holds now, and the first update is kept
    current = caught.value.assignment
    assert (current.pk, current.status, current.progress, current.version) == (
        assignment.pk,
        Status.AT_RISK,
        30,
        2,
    )
    assert state(assignment) == before
    assert StatusUpdate.objects.count() == updates_before


def test_a_version_from_the_future_is_a_conflict(fra_delegate, assignment, unchanged):
    with pytest.raises(VersionConflict) as caught:
        record_status_update(user=fra_delegate, request=update_of(assignment, base_version=7))

    assert caught.value.assignment.version == 1


@pytest.mark.parametrize("user_fixture", ["deu_delegate", "dipb_member", "niag_member", "observer"])
def test_someone_outside_the_organisation_or_an_observer_is_refused(
    request, assignment, unchanged, user_fixture
):
    user = request.getfixturevalue(user_fixture)

    with pytest.raises(PermissionDenied):
        record_status_update(user=user, request=update_of(assignment))


def test_a_user_who_may_not_see_the_roadmap_gets_not_found(assignment, unchanged):
    outsider = factories.UserFactory(email="outsider@example.org")

    with pytest.raises(Http404):
        record_status_update(user=outsider, request=update_of(assignment))


def test_an_unknown_assignment_is_not_found(fra_delegate, assignment, unchanged):
    with pytest.raises(Http404):
        record_status_update(
            user=fra_delegate, request=update_of(assignment, assignment_id=assignment.pk + 1000)
        )


def test_a_delegate_may_not_cancel(fra_delegate, assignment, unchanged):
    with pytest.raises(ValidationError) as caught:
        record_status_update(
            user=fra_delegate, request=update_of(assignment, status=Status.CANCELLED, progress=0)
        )

    assert set(caught.value.message_dict) == {"status"}


def test_the_secretariat_cancels_and_the_delegate_can_no_longer_update(
    secretariat_user, fra_delegate, assignment
):
    # Given an assignment the secretariat cancelled
    cancel = update_of(assignment, status=Status.CANCELLED, progress=0, narrative="Superseded.")
    update = record_status_update(user=secretariat_user, request=cancel)
    assert (update.author, state(assignment)["status"]) == (secretariat_user, Status.CANCELLED)
    assignment.refresh_from_db()
    before = state(assignment)

    # When the delegate reports on it, then they are refused and nothing changes
    with pytest.raises(ValidationError) as caught:
        record_status_update(user=fra_delegate, request=update_of(assignment))

    assert set(caught.value.message_dict) == {"status"}
    assert state(assignment) == before
    assert StatusUpdate.objects.count() == 1


# Bulk: all or nothing


@pytest.fixture
def three_assignments(fra):
    return factories.AssignmentFactory.create_batch(3, organisation=fra)


def test_a_bulk_request_records_every_item(fra_delegate, three_assignments):
    requests = [
        update_of(a, progress=progress)
        for a, progress in zip(three_assignments, (10, 20, 30), strict=True)
    ]

    recorded = record_status_updates(user=fra_delegate, requests=requests, now=NOW)

    assert [(u.assignment_id, u.progress, u.version) for u in recorded] == [
        (a.pk, progress, 2) for a, progress in zip(three_assignments, (10, 20, 30), strict=True)
    ]
    assert StatusUpdate.objects.count() == 3
    for a, progress in zip(three_assignments, (10, 20, 30), strict=True):
        assert (state(a)["progress"], state(a)["version"], state(a)["last_reported_at"]) == (
            progress,
            2,
            NOW,
        )


def test_one_bad_item_in_a_bulk_request_records_none(fra_delegate, three_assignments):
    before = [state(a) for a in three_assignments]
    good, bad, also_good = three_assignments
    requests = [update_of(good), update_of(bad, progress=101), update_of(also_good)]

    with pytest.raises(BulkUpdateError) as caught:
        record_status_updates(user=fra_delegate, requests=requests)

    assert list(caught.value.errors) == [1]
    assert set(caught.value.errors[1]) == {"progress"}
    assert StatusUpdate.objects.count() == 0
    assert [state(a) for a in three_assignments] == before


def test_a_bulk_request_reports_each_failed_item_by_position(fra_delegate, deu, three_assignments):
    stale, good, bad_status = three_assignments
    foreign = factories.AssignmentFactory(organisation=deu)
    requests = [
        update_of(stale, base_version=5),
        update_of(good),
        update_of(bad_status, status="done"),
        update_of(foreign),
        update_of(good, assignment_id=foreign.pk + 1000),
    ]

    with pytest.raises(BulkUpdateError) as caught:
        record_status_updates(user=fra_delegate, requests=requests)

    errors = caught.value.errors
    assert {position: set(fields) for position, fields in errors.items()} == {
        0: {"base_version"},
        2: {"status"},
        3: {"assignment"},
        4: {"assignment"},
    }
    assert StatusUpdate.objects.count() == 0
    assert state(good)["version"] == 1


def test_a_bulk_request_naming_an_assignment_twice_is_refused(fra_delegate, three_assignments):
    first = three_assignments[0]
    requests = [update_of(first, progress=10), update_of(three_assignments[1]), update_of(first)]

    with pytest.raises(ValidationError) as caught:
        record_status_updates(user=fra_delegate, requests=requests)

    assert set(caught.value.message_dict) == {"items"}
    assert StatusUpdate.objects.count() == 0
    assert [state(a)["version"] for a in three_assignments] == [1, 1, 1]
