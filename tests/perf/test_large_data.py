"""The large data set is proportional and the same on every build; bench prints its lines.

No timings are asserted here: they depend on the machine. The figures live in the README.
"""

import re
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models.functions import Mod

from accounts.models import Organisation, User
from roadmap.large_data import EMAIL_DOMAIN, UPDATES_PER_LOGIN, expected_counts
from roadmap.models import ActionItem, Assignment, KeyOutcome
from tracker.best_practice_selectors import search_best_practices
from tracker.models import (
    BestPractice,
    BestPracticeState,
    CycleState,
    ReviewCycle,
    ReviewSnapshot,
    StatusUpdate,
)

pytestmark = pytest.mark.django_db

SCALE = "0.01"
BENCH_LINE = re.compile(
    r"^bench (?P<name>[a-z_]+) median_ms=\d+\.\d\d p95_ms=\d+\.\d\d queries=\d+ "
    r"sql_ms=\d+\.\d\d ratio=\d+\.\d\d$"
)
# Fixed work timed before the scenarios, so figures from two machines can be set side by side.
MACHINE_LINE = re.compile(r"^machine python_ms=\d+\.\d\d sql_ms=\d+\.\d\d$")
SCENARIOS = [
    "dashboard",
    "api_assignments",
    "api_assignments_org_status",
    "api_assignments_overdue",
    "api_assignments_search",
    "api_assignments_last_page",
    "roadmap_overview",
    "action_page",
    "review_report",
    "audit_trail",
    "audit_trail_person",
    "audit_trail_organisation",
    "best_practice_search",
    "record_status_update",
    "rollup_roadmap",
    "reminder_pass",
    "close_cycle",
    "dashboard_cached",
    "action_page_cached",
]


def _seed(scale=SCALE) -> str:
    out = StringIO()
    call_command("seed_large", "--scale", scale, stdout=out)
    return out.getvalue()


def _picture() -> dict:
    """Counts and a sample of rows by natural key (ids differ between builds)."""
    assignments = Assignment.objects.order_by("action__code", "organisation__code")
    updates = StatusUpdate.objects.order_by("assignment__action__code", "version")
    return {
        "counts": {
            "outcomes": KeyOutcome.objects.count(),
            "actions": ActionItem.objects.count(),
            "assignments": Assignment.objects.count(),
            "status updates": StatusUpdate.objects.count(),
            "users": User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").count(),
            "organisations": Organisation.objects.count(),
            "closed review cycles": ReviewCycle.objects.filter(state=CycleState.CLOSED).count(),
            "review snapshots": ReviewSnapshot.objects.count(),
            "best practices": BestPractice.objects.count(),
            "audit entries": LogEntry.objects.count(),
        },
        "assignments": list(
            assignments.values_list(
                "action__code",
                "organisation__code",
                "role",
                "due_date",
                "status",
                "progress",
                "version",
                "last_reported_at",
                "industry_status",
            )[::37]
        ),
        "updates": list(
            updates.values_list(
                "assignment__action__code",
                "assignment__organisation__code",
                "version",
                "status",
                "progress",
                "releasability",
                "created_at",
                "author__email",
            )[::499]
        ),
    }


def test_scale_builds_proportional_counts_and_the_same_rows_twice():
    with transaction.atomic():
        output = _seed()
        first = _picture()
        transaction.set_rollback(True)
    assert not Assignment.objects.exists()
    _seed()
    second = _picture()

    expected = expected_counts(0.01)
    assert expected == {
        "outcomes": 5,
        "actions": 8,
        "assignments": 250,
        "status updates": 5000,
        "users": 30,
        "best practices": 50,
        "closed review cycles": 1,
    }
    for name, count in expected.items():
        assert first["counts"][name] == count, name
    assert first["counts"]["organisations"] > 40  # the 32 Allies and the rest
    assert first["counts"]["review snapshots"] == 250  # one per assignment
    assert first == second
    assert "250 assignments, 5000 status updates" in output
    assert "took" in output


def test_current_fields_follow_the_latest_update():
    _seed()
    for assignment in Assignment.objects.order_by("pk")[::25]:
        latest = assignment.updates.order_by("-version").first()
        assert (assignment.status, assignment.progress, assignment.version) == (
            latest.status,
            latest.progress,
            latest.version,
        )
        assert assignment.last_reported_at == latest.created_at
        assert list(assignment.updates.order_by("version").values_list("version", flat=True)) == [
            *range(2, latest.version + 1)
        ]
        released = assignment.updates.exclude(releasability="nato").order_by("-version").first()
        assert assignment.industry_status == (released.status if released else "")


def test_the_audit_trail_holds_what_the_updates_and_their_authors_log_ins_wrote():
    _seed()
    updates = StatusUpdate.objects.all()
    entries = LogEntry.objects.all()
    with_login = updates.filter(author__isnull=False).alias(turn=Mod("version", UPDATES_PER_LOGIN))

    about = {
        model: entries.filter(content_type__model=model._meta.model_name)
        for model in (StatusUpdate, Assignment)
    }
    assert about[StatusUpdate].filter(action=LogEntry.Action.CREATE).count() == updates.count()
    assert about[Assignment].filter(action=LogEntry.Action.UPDATE).count() == updates.count()
    logins = entries.filter(action=LogEntry.Action.ACCESS, additional_data__event="login")
    assert logins.count() == with_login.filter(turn=2).count() > 0
    # Each entry as the audit trail reads it: the object, its actor, the update's own time.
    update = updates.filter(author__isnull=False).order_by("pk").first()
    created = about[StatusUpdate].get(object_id=update.pk)
    assert (created.actor_id, created.timestamp) == (update.author_id, update.created_at)
    assert created.changes_dict["status"] == ["None", update.status]
    changed = about[Assignment].filter(object_id=update.assignment_id)
    assert changed.count() == update.assignment.updates.count()
    login = logins.filter(actor_id=update.author_id).first()
    assert login.additional_data["username"] == update.author.email


def test_generated_best_practices_are_mostly_published_and_found_by_the_library_search():
    _seed()
    published = BestPractice.objects.filter(state=BestPracticeState.PUBLISHED)
    found = list(search_best_practices(published, text="gallium"))

    assert published.count() > BestPractice.objects.count() * 0.7
    # Some match, not all: the search has something to sort out.
    assert 0 < len(found) < published.count()
    assert all("gallium" in f"{bp.title} {bp.summary} {bp.body}".lower() for bp in found)


def test_refuses_a_database_that_has_assignments_and_changes_nothing():
    _seed()
    before = _picture()["counts"]
    with pytest.raises(CommandError, match="already has roadmap outcomes or assignments"):
        _seed()
    assert _picture()["counts"] == before


@pytest.mark.parametrize("scale", ["0", "-1", "1.5"])
def test_a_scale_out_of_range_is_refused(scale):
    with pytest.raises(CommandError, match="scale must be more than 0"):
        _seed(scale)
    assert not Organisation.objects.exists()


def test_bench_quick_prints_one_line_per_scenario_and_leaves_the_data_alone():
    out = StringIO()
    call_command("bench", "--quick", stdout=out)
    counts = _picture()["counts"]
    lines = [line for line in out.getvalue().splitlines() if not line.startswith("scale ")]

    assert MACHINE_LINE.match(lines[0])
    assert [BENCH_LINE.match(line)["name"] for line in lines[1:]] == SCENARIOS
    assert counts["status updates"] == expected_counts(0.02)["status updates"]
    # A second run finds the data there and does not build it again.
    again = StringIO()
    call_command("bench", "--quick", "--runs", "1", stdout=again)
    assert "scale" not in again.getvalue()
    assert _picture()["counts"] == counts

    # --only runs the scenarios whose names start with one of its words.
    chosen = StringIO()
    call_command("bench", "--quick", "--runs", "1", "--only", "api", "dashboard", stdout=chosen)
    machine, *scenarios = chosen.getvalue().splitlines()
    assert MACHINE_LINE.match(machine)
    names = [BENCH_LINE.match(line)["name"] for line in scenarios]
    assert names == [name for name in SCENARIOS if name.startswith(("api", "dashboard"))]
    assert len(names) == 7


def test_bench_only_with_no_matching_scenario_is_refused():
    with pytest.raises(CommandError, match="No scenario starts with nothing-here"):
        call_command("bench", "--quick", "--runs", "1", "--only", "nothing-here")
