"""CSV and XLSX exports of assignment lists, and the import that reads the same files back.

The format, shared by both file types: a few lines whose first cell starts with "#" (what the
file is releasable to, when and by whom it was exported, the filters applied), then a header
row of exactly COLUMNS, then one row per assignment. Only EDITABLE_COLUMNS are applied on
import; the others are there to read. The import turns the rows into the document format of
roadmap.loading and hands it to roadmap.services.load_roadmap_data, so it is checked and written
by the same code as a data file: all or nothing, matched by code.
"""

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from accounts import policy
from roadmap import tabular
from roadmap.loading import RoadmapLoadError
from roadmap.models import ActionItem, Assignment
from roadmap.services import KindCounts, load_roadmap_data

COLUMNS = [
    "action",
    "action_title",
    "line",
    "outcome",
    "action_due_date",
    "organisation",
    "organisation_name",
    "role",
    "due_date",
    "status",
    "progress",
    "last_reported",
    "overdue",
    "stale",
    "version",
]
EDITABLE_COLUMNS = ["action_title", "action_due_date", "role", "due_date", "status", "progress"]
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024
MAX_ROWS = 30_000


# Export


def _row(assignment: Assignment, *, show_version: bool) -> list:
    """One assignment as the user reads it: shown_* fields only, never a raw status."""
    action = assignment.action
    reported = assignment.shown_reported_at
    return [
        action.code,
        action.title,
        action.outcome.line.code,
        action.outcome.code,
        action.due_date,
        assignment.organisation.code,
        assignment.organisation.name,
        assignment.role,
        assignment.due_date,
        assignment.shown_status or "",
        "" if assignment.shown_progress is None else assignment.shown_progress,
        timezone.localtime(reported).strftime("%Y-%m-%d %H:%M") if reported else "",
        "yes" if assignment.is_overdue else "no",
        "yes" if assignment.is_stale else "no",
        assignment.version if show_version else "",
    ]


def _rows(user, assignments: QuerySet) -> Iterable[list]:
    # Industry-only readers get no version: it counts updates they may not read.
    show_version = not policy.reads_industry_view_only(user)
    for assignment in assignments.iterator(chunk_size=2000):
        yield _row(assignment, show_version=show_version)


def assignment_table(*, user, assignments: QuerySet, filters: str, now=None) -> tabular.Table:
    """The export of an assignment list: the file the import reads back."""
    applied = _("Applied on import: %(columns)s. The other columns are for reading.") % {
        "columns": ", ".join(EDITABLE_COLUMNS)
    }
    return tabular.Table(
        sheet=_("Assignments"),
        columns=COLUMNS,
        rows=_rows(user, assignments),
        preamble=tabular.preamble(user=user, about=[filters, applied], now=now),
    )


# Reading an upload


class ImportFileError(Exception):
    """The file as a whole cannot be read; nothing was checked or written."""


@dataclass
class ImportRow:
    number: int  # as a spreadsheet numbers it, from 1
    values: dict[str, str]
    extra_cells: bool = False

    def as_json(self) -> list:
        return [self.number, [self.values[name] for name in COLUMNS], self.extra_cells]

    @classmethod
    def from_json(cls, data: list) -> "ImportRow":
        number, values, extra = data
        return cls(number=number, values=dict(zip(COLUMNS, values, strict=True)), extra_cells=extra)


def read_upload(upload) -> list[ImportRow]:
    """Reads a CSV or XLSX upload, told apart by content, never by name."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            _("The file is larger than %(max)d MB.") % {"max": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    data = upload.read()
    table = _xlsx_table(data) if data.startswith(b"PK\x03\x04") else _csv_table(data)
    return _import_rows(table)


def _xlsx_table(data: bytes) -> list[tuple[int, list]]:
    not_xlsx = _("The file is neither a CSV file nor an XLSX workbook.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ImportFileError(not_xlsx) from exc
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise ImportFileError(not_xlsx)
    if unzipped > MAX_UNZIPPED_BYTES:
        raise ImportFileError(_("The workbook is too large once unpacked."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        table = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 20:
                raise ImportFileError(_too_many_rows())
            table.append((number, list(values)))
        workbook.close()
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise ImportFileError(_("The XLSX workbook cannot be read.")) from exc
    return table


def _csv_table(data: bytes) -> list[tuple[int, list]]:
    if b"\x00" in data:
        raise ImportFileError(_("The file is neither a CSV file nor an XLSX workbook."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The CSV file is not UTF-8 text.")) from exc
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = []
    try:
        for number, values in enumerate(reader, start=1):
            if number > MAX_ROWS + 20:
                raise ImportFileError(_too_many_rows())
            table.append((number, values))
    except csv.Error as exc:
        raise ImportFileError(
            _("The CSV file cannot be read at line %(line)d: %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from exc
    return table


def _delimiter(text: str) -> str:
    """A spreadsheet set to French writes ";" between cells; the header row tells which."""
    head = "\n".join(text.splitlines()[:30])
    for delimiter in (",", ";", "\t"):
        for values in csv.reader(io.StringIO(head), delimiter=delimiter):
            if [value.strip() for value in values] == COLUMNS:
                return delimiter
    return ","


def _too_many_rows() -> str:
    return _("The file has more than %(max)d rows; split it.") % {"max": MAX_ROWS}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(tabular.FORMULA_START):
        return text[1:]
    return text


def _import_rows(table: list[tuple[int, list]]) -> list[ImportRow]:
    header_at = None
    for index, (_number, values) in enumerate(table):
        cells = [_cell(value) for value in values]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if cells[: len(COLUMNS)] != COLUMNS or any(cells[len(COLUMNS) :]):
            raise ImportFileError(
                _("Row %(row)d should be the header row, exactly: %(columns)s")
                % {"row": table[index][0], "columns": ", ".join(COLUMNS)}
            )
        header_at = index
        break
    if header_at is None:
        raise ImportFileError(
            _("No header row found; it must be exactly: %(columns)s")
            % {"columns": ", ".join(COLUMNS)}
        )
    rows = []
    for number, values in table[header_at + 1 :]:
        cells = [_cell(value) for value in values]
        if not any(cells):
            continue
        padded = cells + [""] * (len(COLUMNS) - len(cells))
        rows.append(
            ImportRow(
                number=number,
                values=dict(zip(COLUMNS, padded, strict=False)),
                extra_cells=any(padded[len(COLUMNS) :]),
            )
        )
    if not rows:
        raise ImportFileError(_("The file has no assignment rows."))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_too_many_rows())
    return rows


# Preview and apply


@dataclass(frozen=True)
class RowError:
    row: int | None  # None: about the file or the import as a whole
    column: str
    message: str


@dataclass(frozen=True)
class Change:
    row: int
    target: str  # the action code, or "action / organisation"
    column: str  # empty for a created record
    before: str
    after: str


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    counts: dict[str, KindCounts] = field(default_factory=dict)
    applied: bool = False

    @property
    def digest(self) -> str:
        """Identifies the changes a preview showed, so apply can refuse different ones."""
        payload = json.dumps([list(vars(change).values()) for change in self.changes])
        return hashlib.sha256(payload.encode()).hexdigest()


def preview_import(*, user, rows: list[ImportRow]) -> ImportResult:
    """What the rows would change and every problem found, with nothing written."""
    return _run(user=user, rows=rows, expected_digest=None)


def apply_import(*, user, rows: list[ImportRow], expected_digest: str) -> ImportResult:
    """Writes all the changes, or none when any row has a problem or when the changes are no
    longer the ones the preview showed (someone changed the data in between)."""
    return _run(user=user, rows=rows, expected_digest=expected_digest)


# The loader's names for the columns, per section of its document format.
_COLUMN_OF = {
    "action_items": {
        "code": "action",
        "outcome": "outcome",
        "title": "action_title",
        "due_date": "action_due_date",
    },
    "assignments": {name: name for name in COLUMNS},
}
_LOADER_MESSAGE = re.compile(r"^(\w+)\[(\d+)\](?: \([^)]*\))?: (?:(\w+): )?(.*)$", re.S)


def _run(*, user, rows: list[ImportRow], expected_digest: str | None) -> ImportResult:
    if not policy.can_edit_roadmap(user):
        raise PermissionDenied(_("Only the secretariat may import assignments."))
    document, sources, errors = _document(rows)
    result = ImportResult(errors=errors)
    action_codes = {record["code"] for record in document["action_items"]}
    with transaction.atomic(), set_actor(user):
        before = _snapshot(action_codes)
        result.errors += _version_errors(rows, before)
        try:
            report = load_roadmap_data(data=document)
        except RoadmapLoadError as exc:
            result.errors += [_row_error(message, sources) for message in exc.messages]
        else:
            result.counts = {
                "action_items": report.counts["action_items"],
                "assignments": report.counts["assignments"],
            }
            result.changes = _changes(rows, before, _snapshot(action_codes))
        result.errors.sort(key=lambda error: (error.row or 0, error.column))
        if expected_digest is not None and not result.errors:
            if result.digest == expected_digest:
                result.applied = True
            else:
                result.errors.append(
                    RowError(
                        None,
                        "",
                        _(
                            "The data changed since the preview. Check the new preview below "
                            "and apply again."
                        ),
                    )
                )
        if not result.applied:
            transaction.set_rollback(True)
    return result


def _document(rows: list[ImportRow]) -> tuple[dict, dict, list[RowError]]:
    """The loader's document, which row each record came from, and the problems only the
    row layout can show (a repeated pair, an action described two ways)."""
    errors: list[RowError] = []
    actions: dict[str, tuple[int, dict]] = {}
    pairs: dict[tuple[str, str], int] = {}
    document: dict[str, list] = {"action_items": [], "assignments": []}
    sources: dict[tuple[str, int], int] = {}
    for row in rows:
        values = row.values
        if row.extra_cells:
            errors.append(RowError(row.number, "", _("has more cells than the header row")))
        for column in ("action", "organisation"):
            if not values[column]:
                errors.append(RowError(row.number, column, _("is required")))
        action, organisation = values["action"], values["organisation"]
        if not action or not organisation:
            continue
        if (action, organisation) in pairs:
            errors.append(
                RowError(
                    row.number,
                    "organisation",
                    _("%(org)s appears again for %(action)s; first at row %(first)d")
                    % {"org": organisation, "action": action, "first": pairs[action, organisation]},
                )
            )
            continue
        pairs[action, organisation] = row.number
        action_record = {
            "code": action,
            "title": values["action_title"],
            "due_date": values["action_due_date"] or None,
        }
        if values["outcome"]:
            action_record["outcome"] = values["outcome"]
        if action in actions:
            first_row, first_record = actions[action]
            for name, column in _COLUMN_OF["action_items"].items():
                if first_record.get(name) != action_record.get(name):
                    errors.append(
                        RowError(
                            row.number,
                            column,
                            _("differs from row %(first)d, which names the same action item")
                            % {"first": first_row},
                        )
                    )
        else:
            actions[action] = (row.number, action_record)
            sources["action_items", len(document["action_items"])] = row.number
            document["action_items"].append(action_record)
        assignment = {
            "action": action,
            "organisation": organisation,
            "due_date": values["due_date"] or None,
        }
        for column in ("role", "status"):
            if values[column]:
                assignment[column] = values[column]
        if values["progress"]:
            progress = values["progress"]
            assignment["progress"] = int(progress) if progress.isdigit() else progress
        sources["assignments", len(document["assignments"])] = row.number
        document["assignments"].append(assignment)
    return document, sources, errors


def _row_error(message: str, sources: dict[tuple[str, int], int]) -> RowError:
    match = _LOADER_MESSAGE.match(message)
    if not match:
        return RowError(None, "", message)
    section, index, name, text = match.groups()
    column = _COLUMN_OF.get(section, {}).get(name or "", "")
    if name and not column:
        text = f"{name}: {text}"
    return RowError(sources.get((section, int(index))), column, text)


@dataclass
class _Snapshot:
    actions: dict[str, dict]
    assignments: dict[tuple[str, str], dict]


def _snapshot(action_codes: set[str]) -> _Snapshot:
    """The stored values of the editable columns: two queries for any number of rows."""
    actions = {
        code: {"outcome": outcome, "action_title": title, "action_due_date": due}
        for code, outcome, title, due in ActionItem.objects.filter(
            code__in=action_codes
        ).values_list("code", "outcome__code", "title", "due_date")
    }
    assignments = {
        (action, organisation): {
            "role": role,
            "due_date": due,
            "status": status,
            "progress": progress,
            "version": version,
        }
        for action, organisation, role, due, status, progress, version in Assignment.objects.filter(
            action__code__in=action_codes
        ).values_list(
            "action__code",
            "organisation__code",
            "role",
            "due_date",
            "status",
            "progress",
            "version",
        )
    }
    return _Snapshot(actions=actions, assignments=assignments)


def _version_errors(rows: list[ImportRow], stored: _Snapshot) -> list[RowError]:
    """A row exported before someone else's change would undo that change: refuse it."""
    errors = []
    for row in rows:
        version = row.values["version"]
        current = stored.assignments.get((row.values["action"], row.values["organisation"]))
        if not version or current is None:
            continue
        if not version.isdigit():
            errors.append(RowError(row.number, "version", _("must be a whole number")))
        elif int(version) != current["version"]:
            errors.append(
                RowError(
                    row.number,
                    "version",
                    _(
                        "the assignment changed since this file was exported (version "
                        "%(file)s in the file, %(now)s now); export again and redo the edit"
                    )
                    % {"file": version, "now": current["version"]},
                )
            )
    return errors


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _changes(rows: list[ImportRow], before: _Snapshot, after: _Snapshot) -> list[Change]:
    changes = []
    seen_actions = set()
    for row in rows:
        action, organisation = row.values["action"], row.values["organisation"]
        if action not in seen_actions:
            seen_actions.add(action)
            changes += _compare(
                row.number, action, before.actions.get(action), after.actions.get(action)
            )
        key = (action, organisation)
        changes += _compare(
            row.number,
            f"{action} / {organisation}",
            before.assignments.get(key),
            after.assignments.get(key),
            created=_("new assignment"),
        )
    return changes


def _compare(number, target, old: dict | None, new: dict | None, created=None) -> list[Change]:
    if new is None:
        return []
    if old is None:
        return [Change(number, target, "", "", created or _("new action item"))]
    return [
        Change(number, target, name, _shown(old[name]), _shown(new[name]))
        for name in new
        if name != "version" and old[name] != new[name]
    ]
