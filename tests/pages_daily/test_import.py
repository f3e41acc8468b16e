"""The import that round-trips the export: preview with row-by-row errors, then all or nothing."""

import datetime
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pytest_django.asserts import assertContains, assertNotContains

from roadmap import import_export
from roadmap.choices import Status
from roadmap.models import ActionItem, Assignment
from tests import factories
from tests.pages_daily.data import update
from tests.pages_daily.files import body, edited_csv, upload
from tracker.models import StatusUpdate

IMPORT = reverse("roadmap:import")
APPLY = reverse("roadmap:import-apply")


def exported(client, kind="csv", query=""):
    response = client.get(f"{reverse(f'worklist:all-{kind}')}?{query}")
    assert response.status_code == 200
    return body(response)


def preview(client, content: bytes, name="assignments.csv"):
    return client.post(IMPORT, {"file": upload(content, name)})


def state():
    """Everything an import could change, to show that nothing did."""
    return (
        list(
            Assignment.objects.order_by("pk").values_list(
                "role", "due_date", "status", "progress", "version"
            )
        ),
        list(ActionItem.objects.order_by("pk").values_list("title", "due_date")),
        StatusUpdate.objects.count(),
    )


@pytest.mark.parametrize(("kind", "name"), [("csv", "a.csv"), ("xlsx", "a.xlsx")])
def test_an_unchanged_export_imports_as_no_change(client, secretariat_user, roadmap, kind, name):
    client.force_login(secretariat_user)
    before = state()

    response = preview(client, exported(client, kind), name)

    assert response.status_code == 200
    assertContains(response, "Nothing would change: the file matches what is stored.")
    assertContains(response, "Assignments: 0 new, 0 changed, 30 unchanged.")
    assertNotContains(response, "Apply")
    assert state() == before


def test_a_changed_due_date_is_previewed_then_applied(client, secretariat_user, roadmap):
    client.force_login(secretariat_user)
    content = exported(client, query="organisation=DEU")

    def postpone(row):
        if row["action"] == "LOE-2.KO-1.A-1":
            row["due_date"] = "2027-09-30"
        return row

    before = state()
    response = preview(client, edited_csv(content, postpone))

    assert response.status_code == 200
    assertContains(response, "What would change")
    assertContains(response, "LOE-2.KO-1.A-1 / DEU")
    assertContains(response, "<ins>2027-09-30</ins>", html=True)
    assertContains(response, "Apply 1 change")
    assert state() == before  # a preview writes nothing

    digest = response.context["result"].digest
    response = client.post(APPLY, {"digest": digest}, follow=True)

    assertContains(response, "Import applied: 1 changes from assignments.csv.")
    changed = Assignment.objects.get(action__code="LOE-2.KO-1.A-1", organisation__code="DEU")
    assert changed.due_date == datetime.date(2027, 9, 30)
    assert StatusUpdate.objects.count() == before[2]
    # The session's pending import is spent: applying twice does nothing.
    assert client.post(APPLY, {"digest": digest}).status_code == 400


def test_status_action_and_new_assignment_changes_go_through_the_loader(
    client, secretariat_user, roadmap
):
    client.force_login(secretariat_user)
    content = exported(client, "xlsx", "action=LOE-3.KO-1.A-1")
    sheet_rows = _xlsx_rows(content)
    header_at = next(i for i, row in enumerate(sheet_rows) if row[0] == "action")
    rows = [dict(zip(sheet_rows[header_at], r, strict=True)) for r in sheet_rows[header_at + 1 :]]
    for row in rows:
        row["action_title"] = "Map dependencies on all defence-critical raw materials"
        if row["organisation"] == "NIAG":
            row["status"], row["progress"] = "on_track", 20
    factories.AllyFactory(code="POL", name="Poland", iso3="POL")
    rows.append({**rows[0], "organisation": "POL", "role": "contributor", "version": None})
    rows[-1].update(status=None, progress=None, due_date=None)
    new_content = _xlsx_bytes(sheet_rows[: header_at + 1], rows)
    before_updates = StatusUpdate.objects.count()

    response = preview(client, new_content, "edited.xlsx")

    assert response.status_code == 200, response.context["result"].errors
    assertContains(response, "Action items: 0 new, 1 changed, 0 unchanged.")
    assertContains(response, "Assignments: 1 new, 1 changed, 3 unchanged.")
    assertContains(response, "new assignment")
    response = client.post(APPLY, {"digest": response.context["result"].digest})
    assert response.status_code == 302
    action = ActionItem.objects.get(code="LOE-3.KO-1.A-1")
    assert action.title == "Map dependencies on all defence-critical raw materials"
    niag = action.assignments.get(organisation__code="NIAG")
    assert (niag.status, niag.progress) == (Status.ON_TRACK, 20)
    assert action.assignments.filter(organisation__code="POL").exists()
    assert StatusUpdate.objects.count() == before_updates + 1


def test_row_by_row_errors_and_nothing_applied(client, secretariat_user, roadmap):
    client.force_login(secretariat_user)
    content = exported(client, query="line=LOE-1")

    def spoil(row):
        if row["action"] == "LOE-1.KO-1.A-1" and row["organisation"] == "FRA":
            row["due_date"] = "2027-02-30"
        if row["action"] == "LOE-1.KO-1.A-2" and row["organisation"] == "DIPB":
            row["progress"] = "150"
        if row["action"] == "LOE-1.KO-2.A-1" and row["organisation"] == "NIAG":
            row["status"] = "finished"
        if row["action"] == "LOE-1.KO-2.A-1" and row["organisation"] == "FRA":
            row["organisation"] = "XXX"
        return row

    before = state()
    response = preview(client, edited_csv(content, spoil))

    assert response.status_code == 400
    errors = [(e.row, e.column) for e in response.context["result"].errors]
    # Four notes lines and the header come first: data starts on row 6, in action order.
    assert errors == [(8, "due_date"), (10, "progress"), (14, "organisation"), (15, "status")]
    assertContains(response, "must be a date written YYYY-MM-DD", status_code=400)
    assertContains(response, "unknown organisation", status_code=400)
    assertNotContains(response, "digest", status_code=400)
    assert client.post(APPLY, {"digest": "x"}).status_code == 400
    assert state() == before


def test_rows_edited_after_someone_else_changed_them_are_refused(
    client, secretariat_user, fra_delegate, roadmap
):
    client.force_login(secretariat_user)
    content = exported(client, query="organisation=FRA")
    update(
        fra_delegate,
        Assignment.objects.get(action__code="LOE-1.KO-1.A-1", organisation__code="FRA"),
        narrative="Changed after the export.",
    )

    response = preview(client, content)

    assert response.status_code == 400
    assertContains(response, "changed since this file was exported", status_code=400)


def test_apply_refuses_when_the_data_moved_after_the_preview(client, secretariat_user, roadmap):
    client.force_login(secretariat_user)
    content = exported(client, query="organisation=DEU")

    def postpone(row):
        row["due_date"] = "2027-12-31" if row["action"] == "LOE-1.KO-1.A-1" else row["due_date"]
        return row

    response = preview(client, edited_csv(content, postpone))
    digest = response.context["result"].digest
    target = Assignment.objects.get(action__code="LOE-1.KO-1.A-1", organisation__code="DEU")
    # Someone sets the same due date by hand in between: the preview's change is gone.
    Assignment.objects.filter(pk=target.pk).update(due_date=datetime.date(2027, 12, 31))
    Assignment.objects.filter(action__code="LOE-1.KO-1.A-2").update(role="contributor")
    before = state()

    response = client.post(APPLY, {"digest": digest})

    assert response.status_code == 409
    assertContains(response, "The data changed since the preview", status_code=409)
    assert state() == before


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a.csv", "neither a CSV file nor an XLSX"),
        (b"action;title\nx;y\n", "a.csv", "Row 1 should be the header row, exactly"),
        (b"# only notes\n", "a.csv", "No header row found"),
        ("caf\xe9".encode("latin-1"), "a.csv", "not UTF-8 text"),
        (b"", "a.csv", "The submitted file is empty"),
    ],
)
def test_files_that_are_not_the_export_format_are_refused(
    client, secretariat_user, roadmap, content, name, message
):
    client.force_login(secretariat_user)

    response = preview(client, content, name)

    assert response.status_code == 400
    assertContains(response, message, status_code=400)


def test_a_zip_that_is_not_a_workbook_is_refused(client, secretariat_user, roadmap):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<doc/>")
    client.force_login(secretariat_user)

    response = preview(client, buffer.getvalue(), "looks.xlsx")

    assertContains(response, "neither a CSV file nor an XLSX workbook", status_code=400)


def test_a_file_over_the_size_limit_is_refused(client, secretariat_user, roadmap, monkeypatch):
    monkeypatch.setattr(import_export, "MAX_UPLOAD_BYTES", 100)
    client.force_login(secretariat_user)

    response = preview(client, exported(client))

    assertContains(response, "larger than", status_code=400)


def test_a_csv_saved_with_semicolons_is_read(client, secretariat_user, roadmap):
    client.force_login(secretariat_user)
    content = exported(client).decode().replace(",", ";").encode()

    response = preview(client, content)

    assert response.status_code == 200
    assertContains(response, "Nothing would change")


def test_titles_that_look_like_formulas_round_trip(client, secretariat_user, roadmap):
    ActionItem.objects.filter(code="LOE-1.KO-1.A-1").update(title="=1+1 is not a formula")
    client.force_login(secretariat_user)

    for kind in ("csv", "xlsx"):
        response = preview(client, exported(client, kind), f"a.{kind}")
        assertContains(response, "Nothing would change")


@pytest.mark.parametrize("role_fixture", ["fra_delegate", "observer", "niag_member"])
def test_only_the_secretariat_imports(client, request, roadmap, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))

    assert client.get(IMPORT).status_code == 403
    assert preview(client, b"action\n").status_code == 403
    assert client.post(APPLY, {"digest": "x"}).status_code == 403


def _xlsx_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _xlsx_bytes(head: list[list], rows: list[dict]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in head:
        sheet.append(row)
    for row in rows:
        sheet.append([row[name] for name in import_export.COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
