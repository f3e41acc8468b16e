"""Reading and writing the export format in tests, as a spreadsheet user would."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from roadmap.import_export import COLUMNS


def body(response) -> bytes:
    """The file a download holds, whether streamed (CSV) or not (XLSX)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_table(content: bytes, columns=COLUMNS) -> tuple[list[str], list[dict]]:
    """(notes, rows as dicts) of an exported CSV file: the "#" lines, then the rows."""
    notes, rows, header = [], [], None
    for values in csv.reader(io.StringIO(content.decode("utf-8"))):
        if header is None and values and values[0].startswith("#"):
            notes.append(values[0])
        elif header is None:
            header = values
        else:
            rows.append(dict(zip(header, values, strict=True)))
    assert header == [str(column) for column in columns]
    return notes, rows


def xlsx_table(content: bytes, columns=COLUMNS) -> tuple[list[str], list[dict]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    notes, rows, header = [], [], None
    for values in sheet.iter_rows(values_only=True):
        if header is None and values[0] and str(values[0]).startswith("#"):
            notes.append(values[0])
        elif header is None:
            header = list(values)
        else:
            rows.append(dict(zip(header, values, strict=True)))
    assert header == [str(column) for column in columns]
    return notes, rows


def edited_csv(content: bytes, edit) -> bytes:
    """The export with `edit(row)` applied to each data row (a dict; return it changed)."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = None
    for values in csv.reader(io.StringIO(content.decode("utf-8"))):
        if header is None and values and values[0].startswith("#"):
            writer.writerow(values)
        elif header is None:
            header = values
            writer.writerow(values)
        else:
            row = edit(dict(zip(header, values, strict=True)))
            if row is not None:
                writer.writerow([row[name] for name in header])
    return out.getvalue().encode("utf-8")


def upload(content: bytes, name: str = "assignments.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
