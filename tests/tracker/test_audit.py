"""Every change leaves who, when, what, before and after in the audit trail, written in the same
transaction as the change itself."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse

from roadmap.choices import AssignmentRole, Status
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort
from roadmap.services import load_roadmap_data
from tests import factories
from tests.roadmap.loading_helpers import valid_data
from tracker.models import StatusUpdate
from tracker.services import (
    BulkUpdateError,
    UpdateRequest,
    record_status_update,
    record_status_updates,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignment(fra):
    return factories.AssignmentFactory(organisation=fra, role=AssignmentRole.LEAD)


def update_of(assignment, **changes) -> UpdateRequest:
    values = {
        "assignment_id": assignment.pk,
        "base_version": assignment.version,
        "status": Status.ON_TRACK,
        "progress": 45,
        "narrative": "Under way.",
    }
    return UpdateRequest(**{**values, **changes})


def entries_for(instance, action=None):
    entries = LogEntry.objects.get_for_object(instance)
    return entries if action is None else entries.filter(action=action)


def test_a_status_update_logs_the_new_row_and_the_assignment_change(fra_delegate, assignment):
    update = record_status_update(user=fra_delegate, request=update_of(assignment))

    (created,) = entries_for(update)
    assert (created.action, created.actor) == (LogEntry.Action.CREATE, fra_delegate)
    assert created.changes["status"] == [None, Status.ON_TRACK]
    assert created.changes["progress"] == [None, 45]
    assert created.changes["author"] == [None, fra_delegate.pk]
    (changed,) = entries_for(assignment, LogEntry.Action.UPDATE)
    assert changed.actor == fra_delegate
    assert changed.changes["status"] == [Status.NOT_STARTED, Status.ON_TRACK]
    assert changed.changes["progress"] == [0, 45]
    assert changed.changes["version"] == [1, 2]


def test_each_update_logs_its_own_before_and_after(fra_delegate, secretariat_user, assignment):
    record_status_update(user=fra_delegate, request=update_of(assignment))
    assignment.refresh_from_db()
    record_status_update(
        user=secretariat_user, request=update_of(assignment, status=Status.AT_RISK, progress=40)
    )

    changes = [
        (e.actor, e.changes["status"], e.changes["progress"], e.changes["version"])
        for e in entries_for(assignment, LogEntry.Action.UPDATE).order_by("pk")
    ]
    assert changes == [
        (fra_delegate, [Status.NOT_STARTED, Status.ON_TRACK], [0, 45], [1, 2]),
        (secretariat_user, [Status.ON_TRACK, Status.AT_RISK], [45, 40], [2, 3]),
    ]


def test_a_refused_update_leaves_no_audit_entry(fra_delegate, assignment):
    entries_before = LogEntry.objects.count()

    with pytest.raises(ValidationError):
        record_status_update(user=fra_delegate, request=update_of(assignment, progress=101))

    assert LogEntry.objects.count() == entries_before


def test_a_refused_bulk_request_leaves_no_audit_entry(fra_delegate, fra):
    good, bad = factories.AssignmentFactory.create_batch(2, organisation=fra)
    entries_before = LogEntry.objects.count()

    with pytest.raises(BulkUpdateError):
        record_status_updates(
            user=fra_delegate, requests=[update_of(good), update_of(bad, status="done")]
        )

    assert LogEntry.objects.count() == entries_before
    assert not StatusUpdate.objects.exists()


def test_an_admin_edit_logs_the_actor_and_the_title_before_and_after(client, secretariat_user):
    # Given an action item and the secretariat in the admin
    action = factories.ActionItemFactory(title="Map national sources")
    secretariat_user.is_staff = True
    secretariat_user.save()
    client.force_login(secretariat_user)

    # When the secretariat renames it
    response = client.post(
        reverse("admin:roadmap_actionitem_change", args=[action.pk]),
        {
            "outcome": action.outcome.pk,
            "code": action.code,
            "number": action.number,
            "title": "Map national sources of the twelve materials",
            "description": "",
            "due_date": "",
            "assignments-TOTAL_FORMS": "0",
            "assignments-INITIAL_FORMS": "0",
        },
    )

    # Then the trail says who changed the title and from what to what
    assert response.status_code == 302
    (entry,) = entries_for(action, LogEntry.Action.UPDATE)
    assert entry.actor == secretariat_user
    assert entry.changes == {
        "title": ["Map national sources", "Map national sources of the twelve materials"]
    }


def test_a_roadmap_load_logs_what_it_creates():
    load_roadmap_data(data=valid_data())

    created = LogEntry.objects.filter(action=LogEntry.Action.CREATE, actor=None)
    for model, count in [
        (LineOfEffort, 2),
        (KeyOutcome, 2),
        (ActionItem, 2),
        (Assignment, 3),
        (StatusUpdate, 2),
    ]:
        assert created.filter(content_type__model=model._meta.model_name).count() == count, model
    action = ActionItem.objects.get(code="LOE-1.KO-1.A-1")
    assert entries_for(action).get().changes["title"] == [None, "Map national sources"]
    # The status a file gives is a change of the new assignment, kept like any other.
    fra = Assignment.objects.get(organisation__code="FRA")
    (status_change,) = entries_for(fra, LogEntry.Action.UPDATE)
    assert status_change.changes["status"] == [Status.NOT_STARTED, Status.ON_TRACK]
    assert status_change.changes["version"] == [1, 2]
