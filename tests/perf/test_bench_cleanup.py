"""On PostgreSQL the benchmark reclaims the rows its write scenarios rolled back: with
autovacuum off or behind, each run would otherwise hand the next larger tables to read."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from tracker.benchmark import WRITTEN

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def vacuum_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT relname, vacuum_count FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [[model._meta.db_table for model in WRITTEN]],
        )
        return dict(cursor.fetchall())


def test_a_run_vacuums_every_table_its_writes_rolled_back_rows_in():
    call_command("bench", "--quick", "--runs", "1", "--only", "api_assignments", stdout=StringIO())
    before = vacuum_counts()

    call_command("bench", "--runs", "1", "--only", "close_cycle", stdout=StringIO())

    after = vacuum_counts()
    assert "tracker_reviewsnapshot" in after
    assert {table: after[table] - before[table] for table in after} == dict.fromkeys(after, 1)
