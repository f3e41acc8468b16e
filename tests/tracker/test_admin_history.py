"""The history in the admin: the secretariat reads status updates and the audit trail; nobody
adds, changes or deletes either through it."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roadmap.choices import Status
from tests import factories
from tests.two_factor_support import give_authenticator
from tracker.models import StatusUpdate
from tracker.services import UpdateRequest, record_status_updates

pytestmark = pytest.mark.django_db

HISTORY_MODELS = {"status_update": StatusUpdate, "log_entry": LogEntry}
OTHER_ROLES = ["fra_delegate", "dipb_member", "niag_member", "observer"]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def staff_client(client, user):
    user.is_staff = True
    user.save()
    client.force_login(user)
    return client


@pytest.fixture
def secretariat_client(client, secretariat_user):
    return staff_client(client, secretariat_user)


@pytest.fixture
def superuser_client(client):
    """A superuser counts as the secretariat, so it has enrolled in two-factor authentication."""
    root = factories.UserFactory(email="root@example.org", is_superuser=True)
    give_authenticator(root)
    return staff_client(client, root)


def record_updates(*, user, organisations, actions):
    """One update for each organisation on each action, through the service."""
    requests = []
    for action in factories.ActionItemFactory.create_batch(actions):
        for organisation in organisations:
            assignment = factories.AssignmentFactory(action=action, organisation=organisation)
            requests.append(
                UpdateRequest(
                    assignment_id=assignment.pk,
                    base_version=assignment.version,
                    status=Status.AT_RISK,
                    progress=30,
                    narrative="Waiting for a supplier survey.",
                )
            )
    return record_status_updates(user=user, requests=requests)


@pytest.fixture
def update(secretariat_user, fra):
    (recorded,) = record_updates(user=secretariat_user, organisations=[fra], actions=1)
    return recorded


def one_of(model, update):
    """A row of each history model: the update, or the audit entry of its creation."""
    if model is StatusUpdate:
        return update
    return LogEntry.objects.get_for_object(update).get()


# Reading


@pytest.mark.parametrize("model", HISTORY_MODELS.values(), ids=HISTORY_MODELS.keys())
def test_secretariat_reads_the_list_and_each_entry(secretariat_client, update, model):
    row = one_of(model, update)

    listing = secretariat_client.get(admin_url(model, "changelist"))
    detail = secretariat_client.get(admin_url(model, "change", row.pk))

    assert listing.status_code == 200
    assert row in listing.context["cl"].result_list
    assert detail.status_code == 200
    assert not detail.context["has_change_permission"]
    assert not detail.context["has_delete_permission"]
    assert 'name="_save"' not in detail.content.decode()


def test_the_status_update_detail_shows_the_whole_update(secretariat_client, update):
    response = secretariat_client.get(admin_url(StatusUpdate, "change", update.pk))

    html = response.content.decode()
    for shown in (update.assignment.action.code, "Waiting for a supplier survey.", "At risk"):
        assert shown in html


def test_the_secretariat_index_lists_the_history_without_add_links(secretariat_client):
    response = secretariat_client.get(reverse("admin:index"))

    models = {
        model["object_name"]: model
        for app in response.context["app_list"]
        for model in app["models"]
    }
    assert {"StatusUpdate", "LogEntry"} <= set(models)
    assert models["StatusUpdate"]["add_url"] is None
    assert models["LogEntry"]["add_url"] is None


def test_status_updates_are_found_by_action_or_organisation_code(
    secretariat_client, secretariat_user, fra, deu
):
    _by_fra, by_deu = record_updates(user=secretariat_user, organisations=[fra, deu], actions=1)
    (other_action,) = record_updates(user=secretariat_user, organisations=[fra], actions=1)
    url = admin_url(StatusUpdate, "changelist")

    by_org = secretariat_client.get(url, {"q": "DEU"}).context["cl"].result_list
    by_action = secretariat_client.get(url, {"q": other_action.assignment.action.code})

    assert list(by_org) == [by_deu]
    assert list(by_action.context["cl"].result_list) == [other_action]


@pytest.mark.parametrize("model", HISTORY_MODELS.values(), ids=HISTORY_MODELS.keys())
def test_the_lists_cost_the_same_queries_for_few_and_many_rows(
    secretariat_client, secretariat_user, fra, deu, django_assert_max_num_queries, model
):
    # Given a few updates, then more than 200 by several organisations
    record_updates(user=secretariat_user, organisations=[fra, deu], actions=2)
    url = admin_url(model, "changelist")
    with CaptureQueriesContext(connection) as few:
        assert secretariat_client.get(url).status_code == 200
    allies = [fra, deu, *factories.AllyFactory.create_batch(28)]
    record_updates(user=secretariat_user, organisations=allies, actions=7)
    assert StatusUpdate.objects.count() >= 200

    # When the secretariat opens the list, then it costs no more queries
    with django_assert_max_num_queries(len(few)):
        response = secretariat_client.get(url)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 100  # a full page


def test_the_audit_list_offers_every_audited_type_and_filters_by_one(secretariat_client, update):
    url = admin_url(LogEntry, "changelist")
    update_type = ContentType.objects.get_for_model(StatusUpdate)

    offered = secretariat_client.get(url)
    chosen = secretariat_client.get(url, {"resource_type": update_type.pk})

    filters = {spec.title: spec for spec in offered.context["cl"].filter_specs}
    choices = dict(filters["Resource Type"].lookup_choices)
    # Types nobody has changed yet are offered too: no entry is read to list them.
    assert {"status update", "best practice", "review cycle"} <= set(map(str, choices.values()))
    assert {entry.content_type_id for entry in chosen.context["cl"].result_list} == {update_type.pk}


def test_the_big_lists_count_once_and_list_no_years(secretariat_client, update):
    for model in (StatusUpdate, LogEntry):
        # Asking for the filters' counts ("Show counts") adds none either.
        with CaptureQueriesContext(connection) as queries:
            response = secretariat_client.get(admin_url(model, "changelist"), {"_facets": "1"})
        assert response.status_code == 200
        assert "Show counts" not in response.content.decode(), model
        table = model._meta.db_table
        counts = [q for q in queries if "COUNT(" in q["sql"] and table in q["sql"]]
        assert len(counts) == 1, model
        assert not any("DATE_TRUNC" in q["sql"] or "django_date_trunc" in q["sql"] for q in queries)


# Refusals


@pytest.mark.parametrize("role_fixture", OTHER_ROLES)
@pytest.mark.parametrize("model", HISTORY_MODELS.values(), ids=HISTORY_MODELS.keys())
def test_other_staff_are_refused_the_history(client, request, update, role_fixture, model):
    other = staff_client(client, request.getfixturevalue(role_fixture))
    row = one_of(model, update)

    for url in (admin_url(model, "changelist"), admin_url(model, "change", row.pk)):
        assert other.get(url).status_code == 403, url


@pytest.mark.parametrize("client_fixture", ["secretariat_client", "superuser_client"])
def test_nobody_edits_adds_or_deletes_a_status_update(request, update, client_fixture):
    admin_client = request.getfixturevalue(client_fixture)
    form = {
        "assignment": update.assignment_id,
        "status": Status.COMPLETED,
        "progress": "100",
        "narrative": "Rewritten history.",
        "releasability": "public",
        "base_version": "1",
        "version": "2",
    }

    changed = admin_client.post(admin_url(StatusUpdate, "change", update.pk), form)
    deleted = admin_client.post(admin_url(StatusUpdate, "delete", update.pk), {"post": "yes"})
    added = admin_client.post(admin_url(StatusUpdate, "add"), {**form, "version": "3"})
    admin_client.post(
        admin_url(StatusUpdate, "changelist"),
        {"action": "delete_selected", "_selected_action": [update.pk], "post": "yes"},
    )

    assert (changed.status_code, deleted.status_code, added.status_code) == (403, 403, 403)
    stored = StatusUpdate.objects.get()
    assert (stored.pk, stored.status, stored.progress, stored.narrative) == (
        update.pk,
        Status.AT_RISK,
        30,
        "Waiting for a supplier survey.",
    )


@pytest.mark.parametrize("client_fixture", ["secretariat_client", "superuser_client"])
def test_nobody_edits_or_deletes_an_audit_entry(request, update, client_fixture):
    admin_client = request.getfixturevalue(client_fixture)
    entry = one_of(LogEntry, update)
    entries_before = LogEntry.objects.count()

    changed = admin_client.post(
        admin_url(LogEntry, "change", entry.pk),
        {"action": "2", "object_repr": "nothing happened", "changes_text": "{}"},
    )
    deleted = admin_client.post(admin_url(LogEntry, "delete", entry.pk), {"post": "yes"})
    added = admin_client.post(admin_url(LogEntry, "add"), {"object_repr": "forged"})
    admin_client.post(
        admin_url(LogEntry, "changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert (changed.status_code, deleted.status_code, added.status_code) == (403, 403, 403)
    assert LogEntry.objects.count() == entries_before
    entry_now = LogEntry.objects.get(pk=entry.pk)
    assert (entry_now.action, entry_now.object_repr, entry_now.changes) == (
        entry.action,
        entry.object_repr,
        entry.changes,
    )
