"""Every CSV and XLSX download is written here, so each file carries the same things: a few
lines whose first cell starts with "#" (what the file is releasable to, when and by whom it was
exported, what it holds), a header row, and cells that a spreadsheet will not run as formulas.
"""

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts import policy
from accounts.choices import Releasability
from roadmap.choices import Status

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is a formula to a spreadsheet program; a leading quote keeps
# it text (the assignment import takes the quote off again).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def marking(user) -> str:
    """The narrowest audience among what the user may read: the file may hold such a text."""
    readable = policy.readable_releasabilities(user)
    audience = next((choice for choice in Releasability if choice in readable), None)
    label = audience.label if audience else _("nobody")
    return _("Releasable to: %(audience)s") % {"audience": label}


def preamble(*, user, about: Iterable[str] = (), now: datetime | None = None) -> list[str]:
    """The "#" lines on top of a file: marking, export date and person, then `about` (the
    filters applied, the cycle reported on, how to read the file)."""
    exported = timezone.localtime(now or timezone.now())
    stamp = _("Exported on %(date)s at %(time)s by %(user)s") % {
        "date": exported.date().isoformat(),
        "time": exported.strftime("%H:%M %Z"),
        "user": user.email,
    }
    return [f"# {line}" for line in (marking(user), stamp, *about)]


def describe_filters(form, scope: str) -> str:
    """The filters of a list (its filter form, valid) in words, for a file's "#" lines."""
    parts = [scope]
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    for name, value in data.items():
        if value is None or value == "":
            continue
        if isinstance(value, QuerySet | list | tuple) and not value:
            continue
        if name == "status":
            shown = ", ".join(str(Status(item).label) for item in value)
        elif isinstance(value, bool):
            shown = _("Yes") if value else _("No")
        elif isinstance(value, QuerySet | list | tuple):
            shown = ", ".join(str(getattr(item, "code", item)) for item in value)
        else:
            shown = str(value)
        parts.append(f"{form.fields[name].label} = {shown}")
    return _("Filters: %(filters)s") % {"filters": "; ".join(parts)}


def bad_filters(form) -> HttpResponse:
    """The answer to a download asked with filters that do not hold: 400, each field's
    errors, and no file."""
    return HttpResponse(
        "\n".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()),
        status=400,
        content_type="text/plain; charset=utf-8",
    )


@dataclass
class Table:
    sheet: str
    columns: Sequence[str]
    rows: Iterable[Sequence]
    preamble: Sequence[str] = field(default_factory=list)

    def lines(self) -> Iterable[list]:
        for line in self.preamble:
            yield [line]
        yield list(self.columns)
        for row in self.rows:
            yield [guard(value) for value in row]


class _Echo:
    """A file-like object for csv.writer that hands each written line back."""

    def write(self, value):
        return value


def write_csv(out, table: Table) -> None:
    csv.writer(out).writerows(table.lines())


def write_xlsx(out, table: Table) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.sheet[:31])
    for line in table.lines():
        sheet.append(line)
    workbook.save(out)


def download(table: Table, *, kind: str, filename: str) -> HttpResponse:
    """The table as an attachment named `filename`.csv or .xlsx; CSV is streamed, so a long
    list starts downloading at once and is never held in memory."""
    if kind == "csv":
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(line) for line in table.lines()),
            content_type="text/csv; charset=utf-8",
        )
    elif kind == "xlsx":
        response = HttpResponse(content_type=XLSX_CONTENT_TYPE)
        write_xlsx(response, table)
    else:
        raise ValueError(kind)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{kind}"'
    return response
