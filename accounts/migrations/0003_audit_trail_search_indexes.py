"""Trigram indexes for the audit trail's text filters on PostgreSQL.

The person and object filters match part of a text anywhere in three columns of
django-auditlog's table: the address kept with the entry, the user name a log-in was tried
with, and the object's name. Over years of entries a LIKE '%…%' there read the whole table
(680 and 740 ms at a million entries); these indexes serve the expressions exactly as Django
writes an `icontains` on them. Other databases get nothing.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "accounts_audit_actor_email_trgm": 'UPPER("actor_email"::text)',
    "accounts_audit_username_trgm": "UPPER((\"additional_data\" ->> 'username')::text)",
    "accounts_audit_object_repr_trgm": 'UPPER("object_repr"::text)',
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "auditlog_logentry" '
            f"USING gin (({expression}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_reminder_frequency"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create, drop),
    ]
