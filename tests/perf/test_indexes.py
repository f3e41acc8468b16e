"""Indexes that the hot queries need and that no model declares (they sit on other apps'
tables), checked on whichever database the tests run on."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _indexed_columns(table: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [c["columns"] for c in constraints.values() if c["index"]]


def test_audit_entries_are_found_by_object_type_and_id_together():
    # An organisation's audit trail asks for (type, ids) pairs; apart, the type's index
    # matched every status update's entry.
    assert ["content_type_id", "object_id"] in _indexed_columns("auditlog_logentry")
