"""A version of the domain data that moves with every committed write, and page parts cached
against it.

On PostgreSQL a statement trigger on every table of the accounts, roadmap and tracker apps
inserts the writing transaction's id into tracker_datachange, once per transaction (an update
of a user's last_login alone, which every log-in makes, is left out). Services, the admin, bulk
loads, raw SQL and restores all pass through the triggers, so none can be missed, and no row is
shared between writers (none waits for another). A reader's version is
the table's row count with its highest transaction id: every commit adds a row, in whatever
order commits land, and the highest id only ever grows, since transaction ids never repeat.
Forgetting old rows adds the forgetting transaction's own row, so a smaller count never
comes back with a highest id it had before.

Elsewhere (SQLite, the development default) there is no version and nothing is cached.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from django.apps import apps as global_apps
from django.conf import settings
from django.core.cache import caches
from django.db import connections, transaction

WATCHED_APPS = ("accounts", "roadmap", "tracker")
# Written often and never shown in a cached part: the header's unread count is read per page.
UNWATCHED_MODELS = ("tracker.DataChange", "tracker.Notification")
# Columns whose update alone is no change: every log-in writes the user's last_login, and
# would otherwise throw away every cached part each time someone signs in.
UNWATCHED_COLUMNS = {"accounts.User": ("last_login",)}
TRIGGER = "data_change"
FUNCTION = "tracker_note_data_change"
NOTE_CHANGE = (
    "INSERT INTO tracker_datachange (transaction_id, changed_at) "
    "VALUES (pg_current_xact_id()::text::bigint, now()) ON CONFLICT (transaction_id) DO NOTHING"
)
CURRENT = """
SELECT current_database(), pg_postmaster_start_time(), COUNT(*), MAX(transaction_id),
       COALESCE(BOOL_OR(transaction_id = pg_current_xact_id_if_assigned()::text::bigint), false)
FROM tracker_datachange
"""


def watched_tables(registry=global_apps) -> list[str]:
    """`registry`: the models as the code has them, or as a migration left the database."""
    unwatched = {registry.get_model(label)._meta.db_table for label in UNWATCHED_MODELS}
    return sorted(
        {
            model._meta.db_table
            for name in WATCHED_APPS
            for model in registry.get_app_config(name).get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
        - unwatched
    )


def watched_events(table: str, registry=global_apps) -> str:
    """The statements that move the version on `table`: an UPDATE only when it sets a column
    that is watched (a column added later is watched once migrate has run)."""
    for label, columns in UNWATCHED_COLUMNS.items():
        model = registry.get_model(label)
        if model._meta.db_table == table:
            watched = [
                f'"{field.column}"'
                for field in model._meta.concrete_fields
                if field.column not in columns
            ]
            return f"INSERT OR UPDATE OF {', '.join(watched)} OR DELETE OR TRUNCATE"
    return "INSERT OR UPDATE OR DELETE OR TRUNCATE"


def install_triggers(*, using: str = "default", apps=global_apps, **_signal) -> None:
    """Puts the trigger on every watched table, new ones included (run after each migrate),
    and counts the migration itself as a change. Nothing when the migration left the database
    without tracker_datachange (tracker migrated back before it)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    try:
        apps.get_model("tracker", "DataChange")
    except LookupError:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {NOTE_CHANGE}; RETURN NULL; END $$"
        )
        for table in watched_tables(apps):
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER {watched_events(table, apps)} "
                f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()'
            )
        cursor.execute(NOTE_CHANGE)


def current(*, using: str = "default") -> str | None:
    """The data's version, or None where there is none to trust: not on PostgreSQL, or inside
    a transaction that has itself changed data (what it reads may not be committed as read)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(CURRENT)
        database, started, count, highest, own_change = cursor.fetchone()
    if own_change:
        return None
    return f"{database}:{started.timestamp()}:{count}:{highest}"


def forget_old_changes(*, now: datetime, keep: timedelta = timedelta(days=1)) -> int:
    """Deletes the rows older than `keep`, which keeps the version cheap to count; returns how
    many went."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return 0
    # One transaction: a reader must never see the smaller count without the new highest id.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tracker_datachange WHERE changed_at < %s", [now - keep])
        deleted = cursor.rowcount
        if deleted:
            cursor.execute(NOTE_CHANGE)
    return deleted


def cached(name: str, key: tuple, render: Callable[[], str]) -> str:
    """What `render()` gave for the same name and key while the data has not changed since,
    or `render()` now. Kept in this process's memory for PAGE_CACHE_SECONDS at most (0: off);
    `key` must hold everything about the reader that the part depends on."""
    seconds = settings.PAGE_CACHE_SECONDS
    version = current() if seconds else None
    if version is None:
        return render()
    digest = hashlib.sha256(repr((name, version, key)).encode()).hexdigest()
    store = caches["pages"]
    found = store.get(digest)
    if found is None:
        found = render()
        store.set(digest, found, seconds)
    return found
