"""Concurrent updates never lose one: on PostgreSQL, with real row locks and real threads."""

import threading

import pytest
from auditlog.models import LogEntry
from django.db import connection

from roadmap.choices import Status
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

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("transactional_db")]

TIMEOUT_SECONDS = 30


def run_together(*calls):
    """Runs each call in its own thread, all released at once; returns what each returned or
    raised, in order. Each thread reads what it needs before the barrier, so every one of them
    works from the same version."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(position, call):
        try:
            outcomes[position] = call(barrier)
        except Exception as exc:  # noqa: BLE001 - the test inspects whatever each thread got
            outcomes[position] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(position, call), daemon=True)
        for position, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a writer is stuck: deadlock?"
    return outcomes


def single_update(*, user, assignment_id, progress):
    def call(barrier):
        base_version = Assignment.objects.get(pk=assignment_id).version
        barrier.wait()
        request = UpdateRequest(
            assignment_id=assignment_id,
            base_version=base_version,
            status=Status.ON_TRACK,
            progress=progress,
        )
        return record_status_update(user=user, request=request)

    return call


def bulk_update(*, user, assignment_ids, progress):
    def call(barrier):
        versions = dict(
            Assignment.objects.filter(pk__in=assignment_ids).values_list("pk", "version")
        )
        barrier.wait()
        requests = [
            UpdateRequest(
                assignment_id=pk,
                base_version=versions[pk],
                status=Status.AT_RISK,
                progress=progress,
            )
            for pk in assignment_ids
        ]
        return record_status_updates(user=user, requests=requests)

    return call


def assert_history_matches(assignments):
    """Every assignment's version is 1 + its updates, and its versions run without a gap."""
    for assignment in assignments:
        assignment.refresh_from_db()
        versions = list(assignment.updates.order_by("version").values_list("version", flat=True))
        assert versions == list(range(2, assignment.version + 1))


def test_two_updates_from_the_same_version_one_wins_one_conflicts(
    fra, fra_delegate, secretariat_user
):
    # Given an assignment at version N that two people have read
    assignment = factories.AssignmentFactory(organisation=fra)
    start_version = assignment.version

    # When both send their update at the same moment
    outcomes = run_together(
        single_update(user=fra_delegate, assignment_id=assignment.pk, progress=30),
        single_update(user=secretariat_user, assignment_id=assignment.pk, progress=70),
    )

    # Then exactly one is recorded, the other is told of the conflict, and nothing is lost
    winners = [o for o in outcomes if isinstance(o, StatusUpdate)]
    conflicts = [o for o in outcomes if isinstance(o, VersionConflict)]
    assert (len(winners), len(conflicts)) == (1, 1), outcomes
    (winner,) = winners
    assert conflicts[0].assignment.version == start_version + 1
    assert conflicts[0].assignment.progress == winner.progress
    assignment.refresh_from_db()
    assert assignment.version == start_version + 1
    assert assignment.progress == winner.progress
    assert list(StatusUpdate.objects.values_list("pk", flat=True)) == [winner.pk]
    assert (winner.base_version, winner.version) == (start_version, start_version + 1)
    # The audit trail names the winner, though both threads set an actor at the same moment.
    (logged,) = LogEntry.objects.get_for_object(assignment).filter(action=LogEntry.Action.UPDATE)
    assert logged.actor == winner.author
    assert logged.changes["version"] == [start_version, start_version + 1]


def test_a_bulk_request_and_a_single_update_on_overlapping_assignments_do_not_deadlock(
    fra, fra_delegate, secretariat_user
):
    assignments = factories.AssignmentFactory.create_batch(4, organisation=fra)
    ids = [a.pk for a in assignments]

    for round_number in range(5):
        # The bulk request names the assignments in reverse order; locks are still taken in
        # primary-key order, so it cannot wait on the single update while holding its row.
        outcomes = run_together(
            bulk_update(user=secretariat_user, assignment_ids=ids[::-1], progress=round_number),
            single_update(user=fra_delegate, assignment_id=ids[2], progress=50 + round_number),
            single_update(user=fra_delegate, assignment_id=ids[0], progress=60 + round_number),
        )

        # Then each contested row has one winner: either the bulk request, all of it, or the
        # single updates, with the bulk request refused as a whole.
        bulk, *singles = outcomes
        if isinstance(bulk, BulkUpdateError):
            assert all(isinstance(o, StatusUpdate) for o in singles), singles
            contested = {ids[::-1].index(ids[2]), ids[::-1].index(ids[0])}
            assert set(bulk.errors) <= contested
            assert all(set(e) == {"base_version"} for e in bulk.errors.values())
        else:
            assert [u.assignment_id for u in bulk] == ids[::-1], bulk
            assert all(isinstance(o, VersionConflict) for o in singles), singles
        assert_history_matches(assignments)
