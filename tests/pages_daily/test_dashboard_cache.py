"""On PostgreSQL the dashboard is kept against the data version (tracker.data_version): a
second look costs a few queries, no write leaves it stale whatever path it takes, and readers
who may see different things never share it."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from accounts.choices import Releasability
from accounts.models import Organisation
from roadmap.choices import AssignmentRole, Status
from roadmap.models import Assignment
from tests.factories import PASSWORD
from tests.pages.page_html import main_part
from tests.pages_daily.data import update
from tests.pages_daily.test_dashboard import heat_cells
from tracker import data_version, tasks
from tracker.models import StatusUpdate

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("page_cache"),
]

DASHBOARD = reverse("roadmap:dashboard")


def fra_on_line_1() -> Assignment:
    return Assignment.objects.get(action__code="LOE-1.KO-1.A-1", organisation__code="FRA")


def uncached(client, settings) -> str:
    settings.PAGE_CACHE_SECONDS = 0
    try:
        return main_part(client.get(DASHBOARD))
    finally:
        settings.PAGE_CACHE_SECONDS = 300


def test_a_second_look_is_read_from_the_cache(client, secretariat_user, roadmap):
    client.force_login(secretariat_user)
    with CaptureQueriesContext(connection) as first:
        before = client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as second:
        again = client.get(DASHBOARD)

    assert main_part(again) == main_part(before)
    assert len(first) >= 10
    # The session, the user, the second factor's device and the version.
    assert len(second) <= 4
    assert "tracker_datachange" in second.captured_queries[-1]["sql"]


def test_a_status_update_shows_on_the_next_look(client, secretariat_user, fra_delegate, roadmap):
    client.force_login(secretariat_user)
    before = heat_cells(client.get(DASHBOARD).content)

    update(fra_delegate, fra_on_line_1(), status=Status.OFF_TRACK, progress=5)

    after = heat_cells(client.get(DASHBOARD).content)
    assert before["FRA", "LOE-1"] == ("heat--blocked", "BLK 33%")
    assert after["FRA", "LOE-1"] == ("heat--blocked", "BLK 15%")


def _queryset_update():
    Assignment.objects.filter(pk=fra_on_line_1().pk).update(progress=5)


def _raw_sql():
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE roadmap_assignment SET progress = 5 WHERE id = %s", [fra_on_line_1().pk]
        )


def _delete():
    StatusUpdate.objects.filter(assignment__organisation__code="DEU").delete()
    Assignment.objects.filter(organisation__code="DEU").delete()


def _bulk_create():
    copy = fra_on_line_1()
    copy.pk = None
    copy.role = AssignmentRole.CONTRIBUTOR
    copy.organisation = Organisation.objects.create(code="ITA", name="Italy", iso3="ITA")
    Assignment.objects.bulk_create([copy])


def _rename_organisation():
    Organisation.objects.filter(code="FRA").update(code="FRX")


@pytest.mark.parametrize(
    "write", [_queryset_update, _raw_sql, _delete, _bulk_create, _rename_organisation]
)
def test_a_write_that_sends_no_signal_still_shows_on_the_next_look(
    client, settings, secretariat_user, roadmap, write
):
    client.force_login(secretariat_user)
    before = main_part(client.get(DASHBOARD))

    write()

    after = main_part(client.get(DASHBOARD))
    assert after != before
    assert after == uncached(client, settings)


def test_signing_in_keeps_the_cached_pages(client, fra_delegate, roadmap):
    before = data_version.current()

    response = client.post(
        reverse("accounts:login"), {"username": "fra@example.org", "password": PASSWORD}
    )

    fra_delegate.refresh_from_db()
    assert response.status_code == 302
    assert fra_delegate.last_login is not None
    assert data_version.current() == before


def test_a_change_to_a_user_beside_the_sign_in_time_moves_the_version(fra_delegate, roadmap):
    before = data_version.current()

    fra_delegate.first_name = "Renamed"
    fra_delegate.save(update_fields=["first_name", "last_login"])

    assert data_version.current() != before


def test_readers_of_the_industry_release_never_get_the_nato_view(
    client, secretariat_user, niag_member, fra_delegate, roadmap
):
    update(
        fra_delegate,
        fra_on_line_1(),
        status=Status.AT_RISK,
        progress=40,
        narrative="Shared with industry.",
        releasability=Releasability.INDUSTRY,
    )
    update(fra_delegate, fra_on_line_1(), status=Status.BLOCKED, narrative="NATO ONLY: withheld.")
    client.force_login(secretariat_user)
    assertContains(client.get(DASHBOARD), "NATO ONLY: withheld.")

    client.force_login(niag_member)
    response = client.get(DASHBOARD)

    assertNotContains(response, "NATO ONLY")
    assert heat_cells(response.content)["FRA", "LOE-1"] == ("heat--at_risk", "RISK 40%")


def test_each_language_has_its_own(client, fra_delegate, roadmap):
    client.force_login(fra_delegate)
    assertContains(client.get(DASHBOARD), "Progress by line of effort")

    client.post(reverse("set_language"), {"language": "fr", "next": DASHBOARD})
    response = client.get(DASHBOARD)

    assertContains(response, "Avancement par ligne d\u2019effort")
    assertNotContains(response, "Progress by line of effort")


def test_a_transaction_that_changed_data_reads_no_version(roadmap):
    before = data_version.current()
    with transaction.atomic():
        assert data_version.current() == before  # reading alone changes nothing
        Organisation.objects.filter(code="FRA").update(name="France (renamed)")
        assert data_version.current() is None
    after = data_version.current()

    assert before is not None and after is not None and after != before


def test_forgetting_old_changes_moves_the_version_and_keeps_the_page_right(
    client, settings, secretariat_user, roadmap
):
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tracker_datachange SET changed_at = %s", [now - datetime.timedelta(days=2)]
        )
    client.force_login(secretariat_user)
    client.get(DASHBOARD)
    before = data_version.current()

    forgotten = tasks.forget_old_data_changes()

    schedule = settings.CELERY_BEAT_SCHEDULE["forget-old-data-changes"]
    assert schedule["task"] == tasks.forget_old_data_changes.name
    assert schedule["schedule"] == 60 * 60

    assert forgotten >= 1
    assert data_version.current() != before
    assert main_part(client.get(DASHBOARD)) == uncached(client, settings)


def test_with_nothing_old_to_forget_the_version_stands(roadmap):
    before = data_version.current()

    assert data_version.forget_old_changes(now=timezone.now()) == 0
    assert data_version.current() == before


def test_every_watched_table_has_the_trigger_and_no_other_does(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = %s",
            [data_version.TRIGGER],
        )
        triggered = sorted(name for (name,) in cursor.fetchall())

    assert triggered == data_version.watched_tables()
    assert {"roadmap_assignment", "tracker_statusupdate", "accounts_user"} <= set(triggered)
    # Link tables too (a best practice's tags, a cycle's lines).
    assert any(name.startswith("tracker_bestpractice_") for name in triggered)
    assert "tracker_notification" not in triggered
    assert "tracker_datachange" not in triggered
