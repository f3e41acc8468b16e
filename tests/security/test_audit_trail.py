"""The secretariat's audit page: filters by person, organisation, object and date; CSV export
with the same filters; nobody else gets in."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pytest_django.asserts import assertContains, assertNotContains

from roadmap.choices import Status
from tests import factories
from tests.factories import PASSWORD
from tracker.services import UpdateRequest, record_status_update

AUDIT = reverse("accounts:audit")
AUDIT_CSV = reverse("accounts:audit_csv")


def report(user, assignment, narrative, progress=40):
    assignment.refresh_from_db()
    return record_status_update(
        user=user,
        request=UpdateRequest(
            assignment_id=assignment.pk,
            base_version=assignment.version,
            status=Status.ON_TRACK,
            progress=progress,
            narrative=narrative,
        ),
    )


@pytest.fixture
def history(fra, deu, fra_delegate, deu_delegate):
    """FRA reported a month ago, DEU today; both logged in once."""
    fra_assignment = factories.AssignmentFactory(organisation=fra)
    deu_assignment = factories.AssignmentFactory(organisation=deu)
    with time_machine.travel(timezone.now() - timedelta(days=30)):
        report(fra_delegate, fra_assignment, "French survey launched")
    report(deu_delegate, deu_assignment, "German survey launched")
    return fra_assignment, deu_assignment


def rows_of(response) -> list[list[str]]:
    """The header and rows of the CSV export, after its "#" lines."""
    text = b"".join(response.streaming_content).decode()
    return [row for row in csv.reader(io.StringIO(text)) if not row[0].startswith("#")]


def test_the_secretariat_sees_every_change_with_before_and_after(client, secretariat_user, history):
    client.force_login(secretariat_user)

    response = client.get(AUDIT)

    assertContains(response, "fra@example.org")
    assertContains(response, "deu@example.org")
    assertContains(response, "French survey launched")
    assertContains(response, "Audit trail")


def test_filter_by_person(client, secretariat_user, history):
    client.force_login(secretariat_user)

    response = client.get(AUDIT, {"person": "fra@"})

    assertContains(response, "French survey launched")
    assertNotContains(response, "German survey launched")


def test_filter_by_organisation_takes_its_members_and_its_objects(
    client, secretariat_user, history
):
    client.force_login(secretariat_user)

    response = client.get(AUDIT, {"organisation": "DEU"})

    assertContains(response, "German survey launched")
    assertNotContains(response, "French survey launched")


def test_filter_by_object_type_and_object(client, secretariat_user, history):
    fra_assignment, _deu = history
    client.force_login(secretariat_user)

    updates = client.get(AUDIT, {"object_type": "statusupdate"})
    one = client.get(AUDIT, {"object": fra_assignment.action.code})

    assert {e.content_type.model for e in updates.context["page"].object_list} == {"statusupdate"}
    assert updates.context["page"].paginator.count == 2
    assert one.context["page"].paginator.count >= 1
    assert all(fra_assignment.action.code in e.object_repr for e in one.context["page"].object_list)


def test_filter_by_date_range(client, secretariat_user, history):
    client.force_login(secretariat_user)
    today = timezone.localdate()

    recent = client.get(AUDIT, {"date_from": (today - timedelta(days=1)).isoformat()})
    older = client.get(AUDIT, {"date_to": (today - timedelta(days=10)).isoformat()})

    assertContains(recent, "German survey launched")
    assertNotContains(recent, "French survey launched")
    assertContains(older, "French survey launched")
    assertNotContains(older, "German survey launched")


def test_a_backwards_date_range_is_an_error_and_lists_nothing(client, secretariat_user, history):
    client.force_login(secretariat_user)

    response = client.get(AUDIT, {"date_from": "2026-05-10", "date_to": "2026-05-01"})

    assertContains(response, "The end date is before the start date.")
    assert response.context["page"].paginator.count == 0


def test_log_ins_and_failures_are_filterable(client, secretariat_user, fra_delegate):
    client.post(reverse("accounts:login"), {"username": "fra@example.org", "password": "nope"})
    client.post(reverse("accounts:login"), {"username": "fra@example.org", "password": PASSWORD})
    client.logout()
    client.force_login(secretariat_user)

    failed = client.get(AUDIT, {"event": "login_failed", "person": "fra@"})
    logins = client.get(AUDIT, {"event": "login", "person": "fra@"})

    assert [e.event_label for e in failed.context["page"].object_list] == ["Failed log-in"]
    assert [e.person_label for e in failed.context["page"].object_list] == ["fra@example.org"]
    assert [e.event_label for e in logins.context["page"].object_list] == ["Logged in"]


def test_csv_export_follows_the_filters(client, secretariat_user, history):
    client.force_login(secretariat_user)

    response = client.get(AUDIT_CSV, {"person": "deu@", "object_type": "statusupdate"})

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    header, *rows = rows_of(response)
    assert header[:6] == ["Time", "Event", "Object type", "Object id", "Object", "Person"]
    assert len(rows) == 1
    assert rows[0][1:3] == ["Created", "statusupdate"]
    assert rows[0][5] == "deu@example.org"
    assert "German survey launched" in rows[0][7]


@pytest.mark.parametrize(
    "role", ["fra_delegate", "deu_delegate", "dipb_member", "niag_member", "observer"]
)
def test_nobody_but_the_secretariat_gets_in(client, role, request):
    client.force_login(request.getfixturevalue(role))

    assert client.get(AUDIT).status_code == 403
    assert client.get(AUDIT_CSV).status_code == 403


def test_anonymous_is_sent_to_log_in(client, db):
    assert client.get(AUDIT).status_code == 302
    assert client.get(AUDIT_CSV).status_code == 302


def test_only_the_secretariat_has_the_link(client, secretariat_user, fra_delegate):
    client.force_login(fra_delegate)
    assertNotContains(client.get(reverse("roadmap:home")), AUDIT)
    client.force_login(secretariat_user)
    assertContains(client.get(reverse("roadmap:home")), AUDIT)


def _queries_for(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(AUDIT, params)
    assert response.status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_for_few_and_many_entries(
    client, secretariat_user, fra, fra_delegate
):
    assignment = factories.AssignmentFactory(organisation=fra)
    client.force_login(secretariat_user)
    report(fra_delegate, assignment, "first")
    few = _queries_for(client, {"organisation": "FRA"})

    for n in range(120):  # two audit entries each: the update and the assignment change
        report(fra_delegate, assignment, f"update {n}", progress=n % 100)
    many = _queries_for(client, {"organisation": "FRA"})

    assert many == few


def test_the_xlsx_export_holds_the_same_rows_under_its_marking(client, secretariat_user, history):
    client.force_login(secretariat_user)
    query = {"person": "deu@", "object_type": "statusupdate"}

    csv_rows = rows_of(client.get(AUDIT_CSV, query))
    response = client.get(reverse("accounts:audit_xlsx"), query)

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    lines = [list(values) for values in sheet.iter_rows(values_only=True)]
    notes = [line[0] for line in lines if str(line[0]).startswith("#")]
    assert notes[0] == "# Releasable to: NATO only"
    assert notes[2].startswith("# Filters: ") and "deu@" in notes[2]
    table = [[("" if value is None else str(value)) for value in line] for line in lines[3:]]
    assert table == csv_rows


def test_an_organisation_keeps_the_entries_about_its_objects_once_their_author_has_left(
    client, secretariat_user, history
):
    _fra, deu_assignment = history
    deu_assignment.organisation.memberships.all().delete()
    client.force_login(secretariat_user)

    response = client.get(AUDIT, {"organisation": "DEU"})

    entries = response.context["page"].object_list
    # The update and the assignment's change, through their objects rather than their author.
    assert {entry.content_type.model for entry in entries} >= {"statusupdate", "assignment"}
    assertContains(response, "German survey launched")
    assertNotContains(response, "French survey launched")


def test_a_failed_log_in_with_an_unknown_address_is_found_by_that_address(
    client, secretariat_user, db
):
    client.post(reverse("accounts:login"), {"username": "ghost@example.org", "password": "no"})
    client.force_login(secretariat_user)

    response = client.get(AUDIT, {"person": "ghost@"})

    assert [e.event_label for e in response.context["page"].object_list] == ["Failed log-in"]


def test_a_person_s_entries_stay_findable_by_the_address_they_acted_under(
    client, secretariat_user, history, deu_delegate
):
    deu_delegate.email = "renamed@example.org"
    deu_delegate.save()
    client.force_login(secretariat_user)

    response = client.get(AUDIT, {"person": "deu@"})

    assertContains(response, "German survey launched")
    assertNotContains(response, "French survey launched")


@pytest.mark.parametrize("direct_below", [0, 1000])
def test_a_person_s_pages_hold_each_entry_once_newest_first(
    client, secretariat_user, fra, fra_delegate, monkeypatch, direct_below
):
    monkeypatch.setattr("accounts.audit_views.PAGE_SIZE", 7)
    monkeypatch.setattr("roadmap.pagination.DeferredJoinPaginator.direct_below", direct_below)
    assignment = factories.AssignmentFactory(organisation=fra)
    for n in range(10):  # 20 entries of the delegate's, some in the same second
        report(fra_delegate, assignment, f"update {n}", progress=n)
    client.force_login(secretariat_user)
    about_them = Q(content_type=ContentType.objects.get_for_model(fra_delegate))
    expected = list(
        LogEntry.objects.filter(Q(actor=fra_delegate) | about_them & Q(object_id=fra_delegate.pk))
        .order_by("-timestamp", "-pk")
        .values_list("pk", flat=True)
    )

    seen, number = [], 1
    while number:
        page = client.get(AUDIT, {"person": "fra@", "page": number}).context["page"]
        seen += [entry.pk for entry in page.object_list]
        number = page.next_page_number() if page.has_next() else None

    assert len(expected) > 20  # their account's creation, and their 20
    assert seen == expected


@pytest.mark.postgres
def test_on_postgresql_each_branch_of_the_organisation_filter_is_an_index_lookup(
    client, secretariat_user, history
):
    client.force_login(secretariat_user)

    with CaptureQueriesContext(connection) as queries:
        client.get(AUDIT, {"organisation": "DEU"})

    count = next(q["sql"] for q in queries if "COUNT(*)" in q["sql"] and "auditlog" in q["sql"])
    # The updates' ids are read once, never tested row by row as `IN (SELECT …)`.
    assert '"object_id" = ANY(ARRAY(SELECT' in count
    assert "IN (SELECT" not in count
