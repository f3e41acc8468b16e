"""Application-level export of everything the product holds, and its import into an empty database.

The export is one JSON document: the migration state it was taken at, every row of every model
of the project's apps plus the audit trail (with their primary keys, so links and the audit
trail's object ids stay true), and the bytes of best-practice attachments. Password hashes are
included, so people can log in after a restore; API tokens, sessions and log-in lock counters
are not (tokens are re-issued, sessions and counters are transient).

Exporting the same data twice gives the same bytes: models in dependency order, rows by primary
key, many-to-many lists sorted, keys sorted, no timestamp. The layout puts one object on a line,
so the importer streams it instead of holding a large database in memory.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from auditlog.context import disable_auditlog
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Deserializer as PythonDeserializer
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

FORMAT = "roadmap-tracker-export"
VERSION = 1
PROJECT_APPS = ["accounts", "roadmap", "tracker"]
EXTRA_MODELS = ["auth.Group", "auditlog.LogEntry", "admin.LogEntry"]
# Bookkeeping of one database server: its transaction ids mean nothing on another, and the
# import's own writes start the new database's (tracker.data_version).
NOT_EXPORTED = ["tracker.DataChange"]
# Rows that point at these are written with the natural key (app label, model name...), because
# their ids are made by `migrate` and differ between databases.
NATURAL_KEY_MODELS = (ContentType, Permission)
BATCH = 1000


class BackupError(Exception):
    """The file cannot be imported, or not into this database; nothing was written."""


@dataclass
class BackupReport:
    counts: Counter = field(default_factory=Counter)
    files: int = 0
    missing_files: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        rows = [f"{label}: {count}" for label, count in sorted(self.counts.items())]
        rows.append(_("attachment files: %(count)d") % {"count": self.files})
        rows += [_("missing attachment file: %(name)s") % {"name": n} for n in self.missing_files]
        return rows


# What is exported


def exported_models() -> list[type[models.Model]]:
    """The project's models and the history kept beside them, parents before children."""
    chosen = [
        model
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy and model._meta.label not in NOT_EXPORTED
    ]
    chosen += [apps.get_model(label) for label in EXTRA_MODELS if _installed(label)]
    return _parents_first(chosen)


def _installed(label: str) -> bool:
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


def _parents_first(chosen: list[type[models.Model]]) -> list[type[models.Model]]:
    remaining = sorted(chosen, key=lambda model: model._meta.label_lower)
    ordered: list[type[models.Model]] = []
    while remaining:
        placed = set(ordered)
        ready = [
            model
            for model in remaining
            if all(parent in placed or parent is model for parent in _parents(model, remaining))
        ]
        if not ready:  # a cycle: the database checks the links at commit anyway
            ready = remaining[:1]
        ordered += ready
        remaining = [model for model in remaining if model not in ready]
    return ordered


def _parents(model, among) -> set:
    return {
        f.remote_field.model
        for f in model._meta.concrete_fields
        if f.is_relation and f.remote_field.model in among
    }


def migration_state(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """Applied migrations of the apps whose tables the export holds."""
    labels = sorted({model._meta.app_label for model in exported_models()})
    applied = MigrationRecorder(connections[using]).applied_migrations()
    return {label: sorted(name for app, name in applied if app == label) for label in labels}


# Export


class _Serializer(PythonSerializer):
    """Django's own field encoding; natural keys only for ContentType and Permission."""

    def handle_fk_field(self, obj, field):
        self.use_natural_foreign_keys = issubclass(field.remote_field.model, NATURAL_KEY_MODELS)
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        self.use_natural_foreign_keys = issubclass(field.remote_field.model, NATURAL_KEY_MODELS)
        super().handle_m2m_field(obj, field)


class _Encoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds; a backup keeps the microseconds."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _encode(row: dict) -> str:
    return json.dumps(row, cls=_Encoder, sort_keys=True, ensure_ascii=False)


def _sorted_m2m(model, row: dict) -> dict:
    for m2m in model._meta.many_to_many:
        if m2m.name in row["fields"]:
            row["fields"][m2m.name] = sorted(row["fields"][m2m.name], key=_encode)
    return row


def _rows(model, using: str) -> Iterator[dict]:
    queryset = model._base_manager.using(using).order_by("pk")
    if model._meta.many_to_many:
        queryset = queryset.prefetch_related(*[m2m.name for m2m in model._meta.many_to_many])
    serializer = _Serializer()
    last = None
    while True:  # pages by primary key: the cost of a page does not grow with the table
        chunk = list((queryset if last is None else queryset.filter(pk__gt=last))[:BATCH])
        if not chunk:
            return
        for row in serializer.serialize(chunk):
            yield _sorted_m2m(model, row)
        last = chunk[-1].pk


def _attachment_files(using: str, report: BackupReport) -> Iterator[dict]:
    if not _installed("tracker.BestPracticeAttachment"):
        return
    from tracker.best_practices import attachment_path
    from tracker.models import BestPracticeAttachment

    for attachment in BestPracticeAttachment.objects.using(using).order_by("pk").iterator():
        path = attachment_path(attachment)
        data = path.read_bytes() if path.exists() else None
        if data is None:
            report.missing_files.append(attachment.stored_name)
        else:
            report.files += 1
        yield {
            "stored_name": attachment.stored_name,
            "sha256": attachment.sha256,
            "base64": base64.b64encode(data).decode("ascii") if data is not None else None,
        }


def _write_list(out: IO[str], items: Iterable[dict], on_item=None) -> None:
    first = True
    for item in items:
        if on_item:
            on_item(item)
        out.write(("\n" if first else ",\n") + _encode(item))
        first = False
    out.write("\n")


def export_all(*, out: IO[str], using: str = DEFAULT_DB_ALIAS) -> BackupReport:
    """Writes the whole database, as the product sees it, to `out` (text, UTF-8)."""
    report = BackupReport()

    def count(row):
        report.counts[row["model"]] += 1

    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):  # one consistent moment on PostgreSQL
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        out.write(f'{{"format": "{FORMAT}", "version": {VERSION},\n')
        out.write(f'"migrations": {_encode(migration_state(using))},\n')
        out.write('"objects": [')
        objects = (row for model in exported_models() for row in _rows(model, using))
        _write_list(out, objects, on_item=count)
        out.write('],\n"files": [')
        _write_list(out, _attachment_files(using, report))
        out.write("]}\n")
    return report


# Import


def _read(path: Path) -> tuple[dict, Iterator[dict], Iterator[dict]]:
    """The header, then the objects and the files, read one line at a time. A file that is
    valid JSON in another layout is read whole."""
    with path.open(encoding="utf-8") as handle:
        head = [handle.readline(), handle.readline(), handle.readline()]
    streamable = (
        head[0].startswith(f'{{"format": "{FORMAT}"')
        and head[1].startswith('"migrations": ')
        and head[2].rstrip("\n") == '"objects": ['
    )
    if not streamable:
        try:
            with path.open(encoding="utf-8") as handle:
                document = json.load(handle)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BackupError(
                _("%(path)s is not a JSON export: %(error)s") % {"path": path, "error": exc}
            ) from exc
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise BackupError(_("%(path)s is not an export of this product.") % {"path": path})
        header = {key: document.get(key) for key in ("format", "version", "migrations")}
        return header, iter(document.get("objects") or []), iter(document.get("files") or [])
    header = json.loads(head[0].rstrip().rstrip(",") + "}")
    header["migrations"] = json.loads(head[1].split(": ", 1)[1].rstrip().rstrip(","))
    return header, _section(path, '"objects": ['), _section(path, '"files": [')


def _section(path: Path, opening: str) -> Iterator[dict]:
    """The items of one list of the line layout: from its opening line to a line that starts
    with ']'."""
    inside = False
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not inside:
                inside = line.rstrip("\n") == opening
                continue
            if line.startswith("]"):
                return
            text = line.rstrip("\n").rstrip(",")
            if text:
                try:
                    yield json.loads(text)
                except ValueError as exc:
                    raise BackupError(
                        _("Line not readable in %(path)s: %(error)s") % {"path": path, "error": exc}
                    ) from exc


def _check_importable(header: dict, using: str) -> None:
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise BackupError(
            _("This file is not a version %(version)d export.") % {"version": VERSION}
        )
    here = migration_state(using)
    theirs = header.get("migrations") or {}
    different = sorted(label for label in here if here[label] != theirs.get(label, []))
    if different:
        raise BackupError(
            _(
                "The export was taken at other migrations of %(apps)s than this database has. "
                "Run the same version of the product (and `migrate`) as the one that exported."
            )
            % {"apps": ", ".join(different)}
        )
    occupied = [
        f"{model._meta.label}: {model._base_manager.using(using).count()}"
        for model in exported_models()
        if model._base_manager.using(using).exists()
    ]
    if occupied:
        raise BackupError(
            _("The database is not empty (%(rows)s). Import only into a new, migrated database.")
            % {"rows": ", ".join(occupied)}
        )


def _insert(model, instances: list, m2m_rows: dict, using: str) -> None:
    """Rows exactly as exported: raw insert keeps primary keys and the stored timestamps
    (no auto_now), and sends no signals, so the audit trail gains nothing it did not have."""
    fields = model._meta.local_concrete_fields
    size = max(1, connections[using].ops.bulk_batch_size(fields, instances) or len(instances))
    for start in range(0, len(instances), size):
        model._base_manager.using(using)._insert(
            instances[start : start + size], fields=fields, raw=True, using=using
        )
    for m2m_name, pairs in m2m_rows.items():
        m2m = model._meta.get_field(m2m_name)
        through = m2m.remote_field.through
        source, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
        through._base_manager.using(using).bulk_create(
            [through(**{f"{source}_id": a, f"{target}_id": b}) for a, b in pairs],
            batch_size=BATCH,
        )


def _restore_file(item: dict, report: BackupReport) -> None:
    from tracker.best_practices import attachment_path
    from tracker.models import BestPracticeAttachment

    if item.get("base64") is None:
        report.missing_files.append(item["stored_name"])
        return
    data = base64.b64decode(item["base64"])
    if hashlib.sha256(data).hexdigest() != item["sha256"]:
        raise BackupError(
            _("Attachment %(name)s does not match its checksum.") % {"name": item["stored_name"]}
        )
    path = attachment_path(BestPracticeAttachment(stored_name=item["stored_name"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    report.files += 1


def import_all(*, path: Path, using: str = DEFAULT_DB_ALIAS) -> BackupReport:
    """Loads an export into an empty database, all or nothing."""
    header, objects, files = _read(path)
    report = BackupReport()
    connection = connections[using]
    with transaction.atomic(using=using), disable_auditlog():
        _check_importable(header, using)
        batch_model, instances, m2m_rows = None, [], {}

        def flush():
            _insert(batch_model, instances, m2m_rows, using)

        try:
            for deserialized in PythonDeserializer(_counted(objects, report), using=using):
                model = type(deserialized.object)
                if model is not batch_model or len(instances) >= BATCH:
                    if batch_model is not None:
                        flush()
                    batch_model, instances, m2m_rows = model, [], {}
                instances.append(deserialized.object)
                for name, targets in (deserialized.m2m_data or {}).items():
                    m2m_rows.setdefault(name, []).extend(
                        (deserialized.object.pk, target) for target in targets
                    )
            if batch_model is not None:
                flush()
        except BackupError:
            raise
        except Exception as exc:
            raise BackupError(
                _("The export could not be loaded: %(error)s") % {"error": exc}
            ) from exc
        tables = [model._meta.db_table for model in exported_models()]
        connection.check_constraints(table_names=tables)
        reset = connection.ops.sequence_reset_sql(no_style(), exported_models())
        if reset:
            with connection.cursor() as cursor:
                for statement in reset:
                    cursor.execute(statement)
        for item in files:
            _restore_file(item, report)
    return report


def _counted(objects: Iterable[dict], report: BackupReport) -> Iterator[dict]:
    for row in objects:
        report.counts[row.get("model", "?")] += 1
        yield row
