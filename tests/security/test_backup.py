"""Application-level backup: export everything, import into an empty database, export again:
the same bytes. Bad files and non-empty databases are refused with nothing written."""

import io
import json
import shutil
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import Membership, Organisation, User
from roadmap.backup import export_all
from roadmap.choices import Status
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort
from tests.factories import PASSWORD
from tests.reviews.review_data import at, build_world, plan, report_status, run_pass
from tracker import best_practices, review_services
from tracker.models import (
    BestPractice,
    BestPracticeAttachment,
    CycleSubmission,
    ReminderLog,
    ReviewCycle,
    ReviewSnapshot,
    StatusUpdate,
    SubmissionEvent,
)

KEPT = [
    Organisation,
    User,
    Membership,
    LineOfEffort,
    KeyOutcome,
    ActionItem,
    Assignment,
    StatusUpdate,
    ReviewCycle,
    ReviewSnapshot,
    CycleSubmission,
    SubmissionEvent,
    ReminderLog,
    BestPractice,
    BestPracticeAttachment,
    LogEntry,
]
EVIDENCE = b"Stockpile survey results, 2030\n"


@pytest.fixture
def attachments_in(tmp_path, settings):
    settings.BEST_PRACTICE_ATTACHMENT_ROOT = tmp_path / "attachments"
    return settings.BEST_PRACTICE_ATTACHMENT_ROOT


@pytest.fixture
def everything(
    transactional_db, attachments_in, client, fra, deu, dipb, secretariat_user, fra_delegate
):
    """A closed review cycle (snapshots, submissions, reminders), a best practice with a file,
    log-ins and the audit trail they all wrote."""
    world = build_world(fra=fra, deu=deu, dipb=dipb, secretariat_user=secretariat_user)
    plan(secretariat_user, "March review", at(3, 2, 8), at(3, 16, 17), at(3, 30, 17))
    run_pass(at(3, 2))
    run_pass(at(3, 9))
    report_status(fra_delegate, world.a1, Status.ON_TRACK, 40, when=at(3, 10, 11))
    report_status(
        fra_delegate, world.a3, Status.COMPLETED, 100, when=at(3, 10, 11), narrative="Done."
    )
    submission = CycleSubmission.objects.get(organisation=fra)
    review_services.submit_cycle_submission(
        user=fra_delegate, submission_id=submission.pk, now=at(3, 10, 12)
    )
    run_pass(at(3, 30, 18))
    best_practices.create_best_practice(
        user=fra_delegate,
        title="National stockpile survey",
        organisation=fra,
        body="We asked **every** prime contractor.",
        lines=[world.line1],
        tags="stockpiling, survey",
        attachments=[SimpleUploadedFile("survey.txt", EVIDENCE, content_type="text/plain")],
    )
    client.post(reverse("accounts:login"), {"username": "fra@example.org", "password": "no"})
    client.post(reverse("accounts:login"), {"username": "fra@example.org", "password": PASSWORD})
    for model in KEPT:
        assert model.objects.exists(), f"the test data has no {model.__name__}"


def export_text() -> str:
    out = io.StringIO()
    export_all(out=out)
    return out.getvalue()


def empty_the_database(attachments_in: Path):
    """A new installation: migrated tables, no rows; content types made again by migrate."""
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(attachments_in, ignore_errors=True)
    assert not Organisation.objects.exists()


def test_round_trip_is_identical_and_nothing_is_lost(everything, attachments_in, tmp_path):
    first = export_text()
    counts = {model: model.objects.count() for model in KEPT}
    path = tmp_path / "export.json"
    path.write_text(first, encoding="utf-8")
    empty_the_database(attachments_in)

    call_command("import_all", str(path), stdout=io.StringIO())

    assert export_text() == first
    assert {model: model.objects.count() for model in KEPT} == counts
    # Passwords survive, so people log in as before; attachments come back byte for byte.
    assert User.objects.get(email="fra@example.org").check_password(PASSWORD)
    (attachment,) = BestPracticeAttachment.objects.all()
    assert best_practices.attachment_path(attachment).read_bytes() == EVIDENCE
    # The database hands out new keys after the imported ones.
    new = Organisation.objects.create(code="NEW", name="New body", kind="board")
    assert new.pk > max(Organisation.objects.exclude(pk=new.pk).values_list("pk", flat=True))


def test_the_export_is_json_with_the_migration_state(everything):
    document = json.loads(export_text())

    assert document["format"] == "roadmap-tracker-export"
    assert "0001_initial" in document["migrations"]["tracker"]
    models = {row["model"] for row in document["objects"]}
    assert {"accounts.user", "tracker.reviewsnapshot", "auditlog.logentry"} <= models
    user = next(row for row in document["objects"] if row["model"] == "accounts.user")
    assert user["fields"]["password"].startswith("md5$")
    assert "authtoken.token" not in models
    # One server's transaction ids (tracker.data_version) mean nothing on another.
    assert "tracker.datachange" not in models
    entry = next(row for row in document["objects"] if row["model"] == "auditlog.logentry")
    assert isinstance(entry["fields"]["content_type"], list), "content types by natural key"


def test_export_command_writes_the_file_and_lists_counts(everything, tmp_path):
    out = io.StringIO()

    call_command("export_all", str(tmp_path / "backup.json"), stdout=out)

    assert json.loads((tmp_path / "backup.json").read_text())["objects"]
    assert "tracker.reviewsnapshot: " in out.getvalue()
    assert not (tmp_path / "backup.json.part").exists()


def test_import_refuses_a_database_with_data_and_writes_nothing(everything, tmp_path):
    path = tmp_path / "export.json"
    path.write_text(export_text(), encoding="utf-8")
    counts = {model: model.objects.count() for model in KEPT}

    with pytest.raises(CommandError, match=r"not empty.*Nothing was written"):
        call_command("import_all", str(path))

    assert {model: model.objects.count() for model in KEPT} == counts


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "is not a JSON export"),
        ('{"format": "something-else"}', "is not an export of this product"),
        (
            '{"format": "roadmap-tracker-export", "version": 1, '
            '"migrations": {"tracker": ["0001_initial"]}, "objects": []}',
            "other migrations of",
        ),
    ],
)
def test_import_refuses_a_wrong_file_clearly(db, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match=message):
        call_command("import_all", str(path))


def test_a_broken_row_rolls_everything_back(everything, attachments_in, tmp_path):
    lines = export_text().splitlines()
    row = next(i for i, line in enumerate(lines) if '"model": "roadmap.assignment"' in line)
    lines[row] = lines[row].replace('"progress": ', '"progress": "lots", "x": ', 1)
    path = tmp_path / "broken.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    empty_the_database(attachments_in)

    with pytest.raises(CommandError, match="could not be loaded"):
        call_command("import_all", str(path))

    assert not Organisation.objects.exists()
    assert not LogEntry.objects.exists()


def test_import_of_a_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_all", str(tmp_path / "nowhere.json"))
