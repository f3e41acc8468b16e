"""Benchmark scenarios: each hot path timed beside the bare SQL that fetches the same data.

The bare SQL is written by hand and runs through the same connection, so `ratio` says what the
application adds (ORM, serialisation, templates) on top of what the database must do anyway.
Everything runs inside one transaction that is rolled back at the end: the benchmark leaves the
database as it found it, and writes (an update, a reminder pass, a close) are repeatable.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.choices import UPDATING_ROLES, Role
from accounts.models import Membership
from roadmap.choices import Status
from roadmap.models import Assignment
from tracker import review_services, services
from tracker.models import CycleState, ReviewCycle
from tracker.rollups import rollup_roadmap


class BenchmarkError(Exception):
    """The database lacks what a scenario needs (a secretariat user, an open assignment)."""


@dataclass
class Result:
    name: str
    median_ms: float
    p95_ms: float
    queries: int
    sql_ms: float

    @property
    def ratio(self) -> float:
        return self.median_ms / self.sql_ms if self.sql_ms else float("inf")

    def line(self) -> str:
        return (
            f"bench {self.name} median_ms={self.median_ms:.2f} p95_ms={self.p95_ms:.2f} "
            f"queries={self.queries} sql_ms={self.sql_ms:.2f} ratio={self.ratio:.2f}"
        )


@dataclass
class Scenario:
    name: str
    run: Callable[[], object]
    # Statements (sql, params) whose total time is the bare-SQL baseline.
    sql: list[tuple[str, list]] = field(default_factory=list)
    writes: bool = False


def _timed(function: Callable[[], object], *, runs: int, warmup: int, rollback: bool) -> list:
    def once():
        if not rollback:
            return function()
        with transaction.atomic():
            result = function()
            transaction.set_rollback(True)
            return result

    for _ in range(warmup):
        once()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        once()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _run_sql(statements: list[tuple[str, list]]) -> None:
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            if cursor.description is not None:
                cursor.fetchall()


def _p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(scenario: Scenario, *, runs: int, warmup: int) -> Result:
    timings = _timed(scenario.run, runs=runs, warmup=warmup, rollback=scenario.writes)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        scenario.run()
        transaction.set_rollback(True)
    # Savepoint statements of the rollback are bookkeeping, not the scenario's queries.
    queries = sum(1 for q in captured.captured_queries if "SAVEPOINT" not in q["sql"])
    sql_timings = _timed(
        lambda: _run_sql(scenario.sql), runs=runs, warmup=warmup, rollback=scenario.writes
    )
    return Result(
        name=scenario.name,
        median_ms=statistics.median(timings),
        p95_ms=_p95(timings),
        queries=queries,
        sql_ms=statistics.median(sql_timings),
    )


# The bare SQL. Hand-written on purpose: it is the floor the application is compared against.

ASSIGNMENT_PAGE = """
SELECT a.id, a.role, a.due_date, a.status, a.progress, a.version, a.last_reported_at,
       o.code, o.name, o.kind, ai.code, ai.title, ai.due_date, ko.code, l.code,
       COALESCE(a.due_date, ai.due_date) AS effective_due_date
FROM roadmap_assignment a
JOIN accounts_organisation o ON o.id = a.organisation_id
JOIN roadmap_actionitem ai ON ai.id = a.action_id
JOIN roadmap_keyoutcome ko ON ko.id = ai.outcome_id
JOIN roadmap_lineofeffort l ON l.id = ko.line_id
{where}
ORDER BY ai.code, o.code
LIMIT 50
"""
ASSIGNMENT_COUNT = """
SELECT COUNT(*) FROM roadmap_assignment a
JOIN accounts_organisation o ON o.id = a.organisation_id {where}
"""
FILTER = "WHERE o.code = %s AND a.status = %s"

ROLLUP_BY = """
SELECT {key}, COUNT(*), AVG(a.progress), MIN(a.status), MAX(a.status)
FROM roadmap_assignment a
JOIN roadmap_actionitem ai ON ai.id = a.action_id
JOIN roadmap_keyoutcome ko ON ko.id = ai.outcome_id
WHERE a.status <> 'cancelled'
GROUP BY {key}
"""
ROLLUP = [(ROLLUP_BY.format(key=key), []) for key in ("a.action_id", "ai.outcome_id", "ko.line_id")]

HEAT_MAP = """
SELECT a.organisation_id, ko.line_id, COUNT(*), AVG(a.progress), MAX(a.status)
FROM roadmap_assignment a
JOIN roadmap_actionitem ai ON ai.id = a.action_id
JOIN roadmap_keyoutcome ko ON ko.id = ai.outcome_id
WHERE a.status <> 'cancelled'
GROUP BY a.organisation_id, ko.line_id
"""
OVERDUE = """
SELECT a.id, o.code, ai.code, COALESCE(a.due_date, ai.due_date) AS due
FROM roadmap_assignment a
JOIN accounts_organisation o ON o.id = a.organisation_id
JOIN roadmap_actionitem ai ON ai.id = a.action_id
WHERE COALESCE(a.due_date, ai.due_date) < %s AND a.status NOT IN ('completed', 'cancelled')
ORDER BY due, ai.code
LIMIT 10
"""
AT_RISK = """
SELECT a.id, o.code, ai.code, a.status
FROM roadmap_assignment a
JOIN accounts_organisation o ON o.id = a.organisation_id
JOIN roadmap_actionitem ai ON ai.id = a.action_id
WHERE a.status IN ('at_risk', 'off_track', 'blocked')
ORDER BY a.status DESC, COALESCE(a.due_date, ai.due_date), ai.code
LIMIT 10
"""
RECENT = """
SELECT u.id, u.status, u.progress, u.created_at, a.id, o.code, ai.code
FROM tracker_statusupdate u
JOIN roadmap_assignment a ON a.id = u.assignment_id
JOIN accounts_organisation o ON o.id = a.organisation_id
JOIN roadmap_actionitem ai ON ai.id = a.action_id
WHERE u.created_at >= %s
ORDER BY u.created_at DESC, u.id DESC
LIMIT 10
"""


def _dashboard_sql(now) -> list[tuple[str, list]]:
    today = timezone.localdate(now)
    return [
        *ROLLUP,
        (HEAT_MAP, []),
        (f"SELECT COUNT(*) FROM ({OVERDUE.replace('LIMIT 10', '')}) x", [today]),
        (OVERDUE, [today]),
        (AT_RISK, []),
        (RECENT, [now - timedelta(days=7)]),
    ]


def _record_sql(assignment: Assignment, user_id: int, now) -> list[tuple[str, list]]:
    return [
        ("SELECT id, version FROM roadmap_assignment WHERE id = %s FOR UPDATE", [assignment.pk])
        if connection.vendor == "postgresql"
        else ("SELECT id, version FROM roadmap_assignment WHERE id = %s", [assignment.pk]),
        (
            "INSERT INTO tracker_statusupdate (assignment_id, status, progress, narrative, "
            "evidence_links, releasability, author_id, created_at, base_version, version) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                assignment.pk,
                Status.AT_RISK,
                assignment.progress,
                "Benchmark",
                "[]",
                "nato",
                user_id,
                now,
                assignment.version,
                assignment.version + 1,
            ],
        ),
        (
            "UPDATE roadmap_assignment SET status = %s, progress = %s, version = %s, "
            "last_reported_at = %s, updated_at = %s WHERE id = %s",
            [Status.AT_RISK, assignment.progress, assignment.version + 1, now, now, assignment.pk],
        ),
    ]


AWAITING = """
SELECT a.id, a.organisation_id, o.code, o.name, ai.code, ai.title,
       COALESCE(a.due_date, ai.due_date), a.status
FROM roadmap_assignment a
JOIN accounts_organisation o ON o.id = a.organisation_id
JOIN roadmap_actionitem ai ON ai.id = a.action_id
WHERE a.status NOT IN ('completed', 'cancelled')
  AND (a.last_reported_at IS NULL OR a.last_reported_at < %s)
"""
RECIPIENTS = """
SELECT m.user_id, m.organisation_id, u.email, u.time_zone, u.reminder_frequency
FROM accounts_membership m
JOIN accounts_user u ON u.id = m.user_id
JOIN accounts_organisation o ON o.id = m.organisation_id
WHERE m.role IN ('board_member', 'delegate', 'industry_member') AND u.is_active AND o.is_active
ORDER BY m.user_id, m.organisation_id
"""
SNAPSHOT_SOURCE = """
SELECT a.id, a.organisation_id, ko.line_id, a.status, a.progress, a.version,
       a.last_reported_at, COALESCE(a.due_date, ai.due_date)
FROM roadmap_assignment a
JOIN roadmap_actionitem ai ON ai.id = a.action_id
JOIN roadmap_keyoutcome ko ON ko.id = ai.outcome_id
"""


@dataclass
class Context:
    client: Client
    secretariat: object
    delegate: object
    assignment: Assignment
    cycle: ReviewCycle
    now: object


def _context(now) -> Context:
    secretariat = (
        Membership.objects.filter(role=Role.SECRETARIAT, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    if secretariat is None:
        raise BenchmarkError("The benchmark needs a secretariat member: run seed_large first.")
    assignment = (
        Assignment.objects.exclude(status__in=[Status.COMPLETED, Status.CANCELLED])
        .filter(
            organisation__memberships__role__in=sorted(UPDATING_ROLES),
            organisation__memberships__user__is_active=True,
        )
        .order_by("pk")
        .first()
    )
    if assignment is None:
        raise BenchmarkError("The benchmark needs an open assignment with a delegate.")
    delegate = (
        Membership.objects.filter(
            organisation_id=assignment.organisation_id, role__in=sorted(UPDATING_ROLES)
        )
        .select_related("user")
        .order_by("user_id")
        .first()
        .user
    )
    cycle = ReviewCycle.objects.filter(state=CycleState.OPEN).first()
    if cycle is None:
        cycle = review_services.plan_review_cycle(
            user=secretariat.user,
            title="Benchmark cycle",
            opens_at=now - timedelta(days=10),
            deadline=now + timedelta(days=2),
            closes_at=now + timedelta(days=10),
        )
        cycle = review_services.open_review_cycle(cycle=cycle, now=now - timedelta(days=10))
    client = Client(HTTP_HOST="localhost")
    client.force_login(secretariat.user)
    return Context(client, secretariat.user, delegate, assignment, cycle, now)


def _get(client: Client, path: str, data=None) -> Callable[[], object]:
    def run():
        response = client.get(path, data)
        if response.status_code != 200:
            raise BenchmarkError(f"GET {path} answered {response.status_code}.")
        return response

    return run


def scenarios(ctx: Context) -> list[Scenario]:
    api = reverse("tracker-api:assignment-list")
    organisation = ctx.assignment.organisation.code
    status = ctx.assignment.status
    request = services.UpdateRequest(
        assignment_id=ctx.assignment.pk,
        base_version=ctx.assignment.version,
        status=Status.AT_RISK,
        progress=ctx.assignment.progress,
        narrative="Benchmark",
    )
    return [
        Scenario(
            "dashboard", _get(ctx.client, reverse("roadmap:dashboard")), _dashboard_sql(ctx.now)
        ),
        Scenario(
            "api_assignments",
            _get(ctx.client, api),
            [(ASSIGNMENT_COUNT.format(where=""), []), (ASSIGNMENT_PAGE.format(where=""), [])],
        ),
        Scenario(
            "api_assignments_org_status",
            _get(ctx.client, api, {"organisation": organisation, "status": status}),
            [
                (ASSIGNMENT_COUNT.format(where=FILTER), [organisation, status]),
                (ASSIGNMENT_PAGE.format(where=FILTER), [organisation, status]),
            ],
        ),
        Scenario(
            "record_status_update",
            lambda: services.record_status_update(user=ctx.delegate, request=request),
            _record_sql(ctx.assignment, ctx.delegate.pk, ctx.now),
            writes=True,
        ),
        Scenario("rollup_roadmap", lambda: rollup_roadmap(user=ctx.secretariat), ROLLUP),
        Scenario(
            "reminder_pass",
            lambda: review_services.run_review_schedule(now=ctx.now),
            [(AWAITING, [ctx.cycle.opened_at]), (RECIPIENTS, [])],
            writes=True,
        ),
        Scenario(
            "close_cycle",
            lambda: review_services.close_review_cycle(cycle=ctx.cycle, now=ctx.now),
            [(SNAPSHOT_SOURCE, [])],
            writes=True,
        ),
    ]


def run_benchmark(*, runs: int, warmup: int, write: Callable[[str], None]) -> list[Result]:
    """Runs every scenario and writes one line each; the database is left unchanged."""
    results = []
    with transaction.atomic():
        ctx = _context(timezone.now())
        for scenario in scenarios(ctx):
            result = measure(scenario, runs=runs, warmup=warmup)
            write(result.line())
            results.append(result)
        transaction.set_rollback(True)
    return results
