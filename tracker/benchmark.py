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
from importlib import import_module

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts.backends import AccountBackend
from accounts.choices import UPDATING_ROLES, Role
from accounts.models import Membership, Organisation, User
from roadmap.choices import STATUS_SEVERITY, Status
from roadmap.models import ActionItem, Assignment
from roadmap.selectors import OVERVIEW_HOLDERS, TIMELINE_PAGE
from tracker import review_services, services
from tracker.models import (
    CycleState,
    CycleSubmission,
    DataChange,
    Notification,
    ReminderLog,
    ReviewCycle,
    ReviewSnapshot,
    StatusUpdate,
    SubmissionEvent,
)
from tracker.rollups import rollup_roadmap

PAGE_SIZE = settings.REST_FRAMEWORK["PAGE_SIZE"]


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


# The same fixed work on every machine, in Python and in the database. Scenario figures taken
# on two machines (or at two busy hours of one) compare only beside these.
CALIBRATION_SQL = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
    "SELECT COUNT(*) FROM n"
)


def _python_work() -> int:
    total = 0
    for number in range(300_000):
        total += number % 7
    return total


def machine_line(*, runs: int) -> str:
    """`machine python_ms=… sql_ms=…`: the medians of the fixed work."""
    python = statistics.median(_timed(_python_work, runs=runs, warmup=1, rollback=False))
    sql = statistics.median(
        _timed(lambda: _run_sql([(CALIBRATION_SQL, [])]), runs=runs, warmup=1, rollback=False)
    )
    return f"machine python_ms={python:.2f} sql_ms={sql:.2f}"


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
OVERDUE_FILTER = (
    "WHERE COALESCE(a.due_date, ai.due_date) < %s AND a.status NOT IN ('completed', 'cancelled')"
)
ASSIGNMENT_COUNT_WITH_ACTION = """
SELECT COUNT(*) FROM roadmap_assignment a
JOIN accounts_organisation o ON o.id = a.organisation_id
JOIN roadmap_actionitem ai ON ai.id = a.action_id {where}
"""


def _contains(column: str) -> str:
    """Case-insensitive "contains", written as Django writes it for each database."""
    if connection.vendor == "postgresql":
        return f"UPPER({column}::text) LIKE UPPER(%s)"
    return f"{column} LIKE %s ESCAPE '\\'"


# The caller of an API call: the token, its user and the memberships that give rights.
TOKEN_CALLER = """
SELECT t.key, u.id, u.is_active, m.role, o.id, o.code, o.kind
FROM authtoken_token t
JOIN accounts_user u ON u.id = t.user_id
JOIN accounts_membership m ON m.user_id = u.id
JOIN accounts_organisation o ON o.id = m.organisation_id AND o.is_active
WHERE t.key = %s
"""


# The caller of a page: the session, then the user with their memberships, unread count and
# authenticator app (the secretariat's second factor).
SESSION_CALLER = [
    "SELECT session_data FROM django_session WHERE session_key = %s AND expire_date > %s",
    """SELECT u.id, u.is_active, u.language, m.role, o.id, o.code, o.kind,
  (SELECT COUNT(*) FROM tracker_notification n WHERE n.recipient_id = u.id AND n.read_at IS NULL),
  (SELECT MIN(d.id) FROM otp_totp_totpdevice d WHERE d.user_id = u.id AND d.confirmed)
FROM accounts_user u
LEFT JOIN accounts_membership m ON m.user_id = u.id
LEFT JOIN accounts_organisation o ON o.id = m.organisation_id AND o.is_active
WHERE u.id = %s""",
]


def _session_caller_sql(client: Client, user_id: int, now) -> list[tuple[str, list]]:
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    first, second = SESSION_CALLER
    return [(first, [session_key, now]), (second, [user_id])]


def _assignment_list_sql(token: str, where: str, params: list, *, last: int = 0) -> list:
    """`last`: the page of the list's last `last` rows, sorted from the end, as a page in the
    list's second half is read."""
    page = ASSIGNMENT_PAGE.format(where=where)
    if last:
        backwards = page.replace(
            "ai.code, o.code\nLIMIT 50", f"ai.code DESC, o.code DESC\nLIMIT {last}"
        )
        # Columns 11 and 8 are the action's and the organisation's codes.
        page = f"SELECT * FROM ({backwards}) page ORDER BY 11, 8"
    count = ASSIGNMENT_COUNT_WITH_ACTION if "ai." in where else ASSIGNMENT_COUNT
    return [(TOKEN_CALLER, [token]), (count.format(where=where), params), (page, params)]


# The roll-up tree as one would write it by hand: each assignment's code computed once, the
# actions aggregated over their assignments, then each level over the one below.
RANKS = " ".join(
    f"WHEN a.status = '{status}' THEN {rank}" for status, rank in STATUS_SEVERITY.items()
)
CATEGORIES = ", ".join(
    [f"SUM(CASE WHEN c.code = {rank} THEN 1 ELSE 0 END)" for rank in range(7)]
    + ["SUM(CASE WHEN c.code IS NULL AND c.id IS NOT NULL THEN 1 ELSE 0 END)"]
)
UPPER = """SELECT p.id, p.{parent} AS parent, COUNT(c.id) AS total,
  SUM(CASE WHEN c.total = 0 OR c.counted > 0 THEN 1 ELSE 0 END) AS counted,
  SUM(CASE WHEN c.reported > 0 THEN 1 ELSE 0 END) AS reported,
  MAX(CASE WHEN c.id IS NULL THEN 1 ELSE c.worst END) AS worst, AVG(c.progress) AS progress
FROM {table} p LEFT JOIN {below} c ON c.parent = p.id GROUP BY p.id, p.{parent}"""
ROLLUP_CTES = f"""
WITH codes AS (
  SELECT a.id, a.action_id, a.progress, CASE WHEN a.status = 'cancelled' THEN 6
    WHEN a.last_reported_at IS NULL THEN NULL {RANKS} END AS code
  FROM roadmap_assignment a),
actions AS (
  SELECT ai.id, ai.outcome_id AS parent, COUNT(c.id) AS total,
    SUM(CASE WHEN c.id IS NOT NULL AND (c.code IS NULL OR c.code < 6) THEN 1 ELSE 0 END)
      AS counted,
    SUM(CASE WHEN c.code < 6 THEN 1 ELSE 0 END) AS reported,
    MAX(CASE WHEN c.code IS NULL THEN 1 WHEN c.code < 6 THEN c.code END) AS worst,
    AVG(CASE WHEN c.code < 6 THEN c.progress END) AS progress, {CATEGORIES}
  FROM roadmap_actionitem ai LEFT JOIN codes c ON c.action_id = ai.id
  GROUP BY ai.id, ai.outcome_id),
outcomes AS ({UPPER.format(parent="line_id", table="roadmap_keyoutcome", below="actions")}),
lines AS ({UPPER.format(parent="roadmap_id", table="roadmap_lineofeffort", below="outcomes")})
"""
LINES_AND_ROADMAP = """SELECT id, total, counted, reported, worst, progress FROM lines
UNION ALL SELECT 0, COUNT(*), SUM(counted), SUM(reported), MAX(worst), AVG(progress) FROM lines"""
ROLLUP_TREE = f"""{ROLLUP_CTES}
SELECT id, total, counted, reported, worst, progress FROM actions
UNION ALL SELECT id, total, counted, reported, worst, progress FROM outcomes
UNION ALL {LINES_AND_ROADMAP}"""
ROLLUP = [(ROLLUP_TREE, [])]
# The dashboard reads back the lines and the roadmap only.
ROLLUP_LINES = [(f"{ROLLUP_CTES}{LINES_AND_ROADMAP}", [])]

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
        *ROLLUP_LINES,
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


ACTION_PAGE = [
    # The action with its outcome and line.
    (
        "SELECT ai.id, ai.code, ai.title, ai.description, ai.due_date, ko.code, ko.title, "
        "l.code, l.title FROM roadmap_actionitem ai "
        "JOIN roadmap_keyoutcome ko ON ko.id = ai.outcome_id "
        "JOIN roadmap_lineofeffort l ON l.id = ko.line_id WHERE ai.code = %s",
        "code",
    ),
    # Its holders, as the list shows them.
    (
        "SELECT a.id, a.role, a.status, a.progress, a.version, a.last_reported_at, "
        "COALESCE(a.due_date, ai.due_date), o.code, o.name FROM roadmap_assignment a "
        "JOIN accounts_organisation o ON o.id = a.organisation_id "
        "JOIN roadmap_actionitem ai ON ai.id = a.action_id "
        "WHERE a.action_id = %s ORDER BY a.role DESC, o.code",
        "id",
    ),
    # Its roll-up: the figure and each holder's part.
    (
        "SELECT COUNT(*), MAX(a.status), AVG(a.progress) FROM roadmap_assignment a "
        "WHERE a.action_id = %s AND a.status <> 'cancelled'",
        "id",
    ),
    # The newest page of its timeline, and how many updates it has.
    (
        "SELECT u.id, u.status, u.progress, u.narrative, u.evidence_links, u.releasability, "
        "u.created_at, u.version, us.first_name, us.last_name, us.email, o.code, ai.code "
        "FROM tracker_statusupdate u JOIN roadmap_assignment a ON a.id = u.assignment_id "
        "JOIN accounts_organisation o ON o.id = a.organisation_id "
        "JOIN roadmap_actionitem ai ON ai.id = a.action_id "
        "LEFT JOIN accounts_user us ON us.id = u.author_id "
        f"WHERE a.action_id = %s ORDER BY u.created_at DESC, u.id DESC LIMIT {TIMELINE_PAGE}",
        "id",
    ),
    (
        "SELECT COUNT(*) FROM tracker_statusupdate u "
        "JOIN roadmap_assignment a ON a.id = u.assignment_id WHERE a.action_id = %s",
        "id",
    ),
    # Published best practices that name it.
    (
        "SELECT bp.id, bp.title, bp.summary, bp.published_at FROM tracker_bestpractice bp "
        "JOIN tracker_bestpractice_actions ba ON ba.bestpractice_id = bp.id "
        "WHERE ba.actionitem_id = %s AND bp.state = 'published' "
        "ORDER BY bp.published_at DESC, bp.id DESC LIMIT 10",
        "id",
    ),
]


def _action_page_sql(action: ActionItem) -> list[tuple[str, list]]:
    values = {"code": action.code, "id": action.pk}
    return [(sql, [values[key]]) for sql, key in ACTION_PAGE]


REPORT_FIGURES = """COUNT(*), SUM(CASE WHEN s.expected_to_report THEN 1 ELSE 0 END),
SUM(CASE WHEN s.reported_in_cycle AND s.expected_to_report THEN 1 ELSE 0 END),
SUM(CASE WHEN s.overdue THEN 1 ELSE 0 END), SUM(CASE WHEN s.stale THEN 1 ELSE 0 END),
SUM(CASE WHEN s.change > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN s.change < 0 THEN 1 ELSE 0 END),
SUM(CASE WHEN s.change = 0 THEN 1 ELSE 0 END),
SUM(CASE WHEN s.assessed_status <> '' AND s.assessed_status <> s.status THEN 1 ELSE 0 END),
SUM(CASE WHEN s.last_reported_at IS NULL THEN 1 ELSE 0 END),
SUM(CASE WHEN s.status = 'completed' AND s.last_reported_at IS NOT NULL THEN 1 ELSE 0 END),
SUM(CASE WHEN s.status = 'on_track' AND s.last_reported_at IS NOT NULL THEN 1 ELSE 0 END),
SUM(CASE WHEN s.status = 'at_risk' AND s.last_reported_at IS NOT NULL THEN 1 ELSE 0 END),
SUM(CASE WHEN s.status = 'off_track' AND s.last_reported_at IS NOT NULL THEN 1 ELSE 0 END),
SUM(CASE WHEN s.status = 'blocked' AND s.last_reported_at IS NOT NULL THEN 1 ELSE 0 END),
SUM(CASE WHEN s.status = 'not_started' AND s.last_reported_at IS NOT NULL THEN 1 ELSE 0 END),
SUM(CASE WHEN s.status = 'cancelled' AND s.last_reported_at IS NOT NULL THEN 1 ELSE 0 END)"""
REPORT_DETAIL = """
SELECT s.id, s.status, s.previous_status, s.assessed_status, s.change, s.progress,
       o.code, o.name, ai.code, ai.title
FROM tracker_reviewsnapshot s
JOIN accounts_organisation o ON o.id = s.organisation_id
JOIN roadmap_assignment a ON a.id = s.assignment_id
JOIN roadmap_actionitem ai ON ai.id = a.action_id
WHERE s.cycle_id = %s AND {where}
ORDER BY o.code, ai.code
"""
REVIEW_REPORT = [
    ("SELECT id, title, state, opened_at, closed_at FROM tracker_reviewcycle WHERE id = %s"),
    f"SELECT {REPORT_FIGURES} FROM tracker_reviewsnapshot s WHERE s.cycle_id = %s",
    f"SELECT o.id, o.code, o.name, {REPORT_FIGURES} FROM tracker_reviewsnapshot s "
    "JOIN accounts_organisation o ON o.id = s.organisation_id WHERE s.cycle_id = %s "
    "GROUP BY o.id, o.code, o.name ORDER BY o.code",
    f"SELECT l.code, l.title, l.number, {REPORT_FIGURES} FROM tracker_reviewsnapshot s "
    "JOIN roadmap_lineofeffort l ON l.id = s.line_id WHERE s.cycle_id = %s "
    "GROUP BY l.code, l.title, l.number ORDER BY l.number",
    REPORT_DETAIL.format(where="s.change IS NOT NULL AND s.change <> 0"),
    REPORT_DETAIL.format(where="s.assessed_status <> '' AND s.assessed_status <> s.status"),
]

BEST_PRACTICE_COLUMNS = """bp.id, bp.title, bp.summary, bp.releasability, bp.published_at,
o.code, o.name, u.first_name, u.last_name"""
BEST_PRACTICE_FROM = """FROM tracker_bestpractice bp
JOIN accounts_organisation o ON o.id = bp.organisation_id
JOIN accounts_user u ON u.id = bp.author_id"""
BEST_PRACTICE_RELATIONS = [
    "SELECT bt.bestpractice_id, t.name FROM tracker_bestpractice_tags bt "
    "JOIN tracker_bestpracticetag t ON t.id = bt.bestpracticetag_id "
    "WHERE bt.bestpractice_id IN ({ids})",
    "SELECT bl.bestpractice_id, l.code FROM tracker_bestpractice_lines bl "
    "JOIN roadmap_lineofeffort l ON l.id = bl.lineofeffort_id WHERE bl.bestpractice_id IN ({ids})",
    "SELECT bm.bestpractice_id, m.name FROM tracker_bestpractice_materials bm "
    "JOIN roadmap_criticalmaterial m ON m.id = bm.criticalmaterial_id "
    "WHERE bm.bestpractice_id IN ({ids})",
]
# The filter form's drop-downs.
BEST_PRACTICE_CHOICES = [
    "SELECT id, code, title FROM roadmap_lineofeffort ORDER BY number",
    "SELECT id, slug, name FROM roadmap_criticalmaterial ORDER BY name",
    "SELECT id, code, name FROM accounts_organisation ORDER BY code",
    "SELECT id, name FROM tracker_bestpracticetag ORDER BY name",
]


def _best_practice_search_sql(text: str) -> list[tuple[str, list]]:
    """The library's first page of matches: published (the secretariat reads every marking),
    ranked as the library ranks them; then the tags, lines and materials of that page."""
    if connection.vendor == "postgresql":
        query = "websearch_to_tsquery('english', %s)"
        where = f"WHERE bp.state = 'published' AND bp.search_vector @@ {query}"
        rank = f", ts_rank(bp.search_vector, {query}) AS rank"
        order, params, ranked = "rank DESC, bp.published_at DESC, bp.id DESC", [text], [text] * 2
    else:
        where = (
            "WHERE bp.state = 'published' "
            "AND (bp.title LIKE %s OR bp.summary LIKE %s OR bp.body LIKE %s)"
        )
        rank, order = "", "bp.published_at DESC, bp.id DESC"
        params = ranked = [f"%{text}%"] * 3
    page = (
        f"SELECT {BEST_PRACTICE_COLUMNS}{rank} {BEST_PRACTICE_FROM} {where} "
        f"ORDER BY {order} LIMIT 25"
    )
    with connection.cursor() as cursor:
        cursor.execute(page, ranked)
        ids = ", ".join(str(row[0]) for row in cursor.fetchall()) or "NULL"
    return [
        *[(sql, []) for sql in BEST_PRACTICE_CHOICES],
        (f"SELECT COUNT(*) FROM tracker_bestpractice bp {where}", params),
        (page, ranked),
        *[(sql.format(ids=ids), []) for sql in BEST_PRACTICE_RELATIONS],
    ]


# The roadmap overview: the structure, each action's first holders, and the roll-up tree.
OVERVIEW = [
    "SELECT id, code, number, title, title_status, summary FROM roadmap_lineofeffort "
    "ORDER BY number",
    "SELECT id, line_id, code, number, title, is_illustrative FROM roadmap_keyoutcome "
    "ORDER BY number",
    "SELECT id, outcome_id, code, number, title, due_date, is_illustrative "
    "FROM roadmap_actionitem ORDER BY number",
    f"""SELECT * FROM (
    SELECT a.id, a.action_id, a.role, a.status, a.progress, a.last_reported_at, o.code, o.name,
           ROW_NUMBER() OVER (PARTITION BY a.action_id ORDER BY a.role DESC, o.code) AS place
    FROM roadmap_assignment a JOIN accounts_organisation o ON o.id = a.organisation_id
) holders WHERE place <= {OVERVIEW_HOLDERS} ORDER BY role DESC, code""",
    ROLLUP_TREE,
]


# The audit trail, newest first, as its page lists it: each entry with its actor and type.
AUDIT_PAGE = """
SELECT e.id, e.object_pk, e.object_id, e.object_repr, e.action, e.changes, e.timestamp,
       e.remote_addr, e.additional_data, e.actor_email, u.id, u.email, u.first_name,
       u.last_name, ct.app_label, ct.model
FROM auditlog_logentry e
LEFT JOIN accounts_user u ON u.id = e.actor_id
JOIN django_content_type ct ON ct.id = e.content_type_id
{where}
ORDER BY {order} DESC, e.id DESC
LIMIT 50
"""
AUDIT_COUNT = "SELECT COUNT(*) FROM auditlog_logentry e {where}"
# The filter form's organisations.
AUDIT_CHOICES = "SELECT id, code, name FROM accounts_organisation ORDER BY code"


def _in_one_pass(column: str, subquery: str) -> str:
    """`column IN (subquery)`, on PostgreSQL as the audit filters write it: the ids read once,
    then looked up in the column's index (accounts.audit_selectors.InOnePass)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(ARRAY({subquery}))"
    return f"{column} IN ({subquery})"


def _audit_person() -> str:
    """A person: who acted (their account, or the address kept with the entry), or whose
    account or log-in the entry is about."""
    users = f"SELECT id FROM accounts_user WHERE {_contains('email')}"
    return f"""WHERE {_in_one_pass("e.actor_id", users)} OR {_contains("e.actor_email")}
OR (e.content_type_id = %s AND {_in_one_pass("e.object_id", users)})
OR (e.content_type_id = %s AND {_contains("(e.additional_data ->> 'username')")})"""


def _audit_organisation() -> str:
    """An organisation: its members' acts, and entries about it, its memberships, its
    assignments and their updates."""
    members = "SELECT {} FROM accounts_membership WHERE organisation_id = %s"
    assignments = "SELECT id FROM roadmap_assignment WHERE organisation_id = %s"
    updates = (
        "SELECT u.id FROM tracker_statusupdate u "
        "JOIN roadmap_assignment a ON a.id = u.assignment_id WHERE a.organisation_id = %s"
    )
    return f"""WHERE {_in_one_pass("e.actor_id", members.format("user_id"))}
OR (e.content_type_id = %s AND e.object_id = %s)
OR (e.content_type_id = %s AND {_in_one_pass("e.object_id", members.format("id"))})
OR (e.content_type_id = %s AND {_in_one_pass("e.object_id", assignments)})
OR (e.content_type_id = %s AND {_in_one_pass("e.object_id", updates)})"""


# A person's or an organisation's entries are sorted after gathering them, rather than by
# walking the timestamp's index through everyone else's (as audit_entry_list does).
GATHERED_ORDER = "COALESCE(e.timestamp, e.timestamp)"


def _audit_sql(where: str, params: list, order: str = "e.timestamp") -> list[tuple[str, list]]:
    return [
        (AUDIT_CHOICES, []),
        (AUDIT_COUNT.format(where=where), params),
        (AUDIT_PAGE.format(where=where, order=order), params),
    ]


@dataclass
class Context:
    client: Client  # the secretariat's browser session, second factor given
    api_client: Client  # the secretariat's API token, as machine clients call the API
    api_token: str
    secretariat: object
    delegate: object
    assignment: Assignment
    cycle: ReviewCycle
    now: object
    closed_cycle: ReviewCycle | None = None
    action: ActionItem | None = None


def _log_in_verified(client: Client, user) -> None:
    """A session that has given its second factor, as the secretariat's must have: an
    authenticator app (rolled back with the rest) and the session mark django-otp sets."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Benchmark", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _first_member(role: str, who: str) -> Membership:
    member = (
        Membership.objects.filter(role=role, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    if member is None:
        raise BenchmarkError(f"The benchmark needs {who}: run seed_large first.")
    return member


def _context(now) -> Context:
    secretariat = _first_member(Role.SECRETARIAT, "a secretariat member")
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
    _log_in_verified(client, secretariat.user)
    token, _created = Token.objects.get_or_create(user=secretariat.user)
    api_client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token.key}")
    closed = ReviewCycle.objects.filter(state=CycleState.CLOSED).order_by("-closed_at").first()
    # The longest timeline: the action whose holders reported most.
    action = (
        ActionItem.objects.annotate(updates=Count("assignments__updates"))
        .order_by("-updates", "code")
        .first()
    )
    return Context(
        client,
        api_client,
        token.key,
        secretariat.user,
        delegate,
        assignment,
        cycle,
        now,
        closed,
        action,
    )


def _get(client: Client, path: str, data=None) -> Callable[[], object]:
    def run():
        response = client.get(path, data)
        if response.status_code != 200:
            raise BenchmarkError(f"GET {path} answered {response.status_code}.")
        return response

    return run


SEARCH_TEXT = "gallium"


def _assignment_scenarios(ctx: Context) -> list[Scenario]:
    """The assignment list API: no filter, by organisation and status, overdue, text search;
    the first page, and the last. Called with an API token, as the national systems that use
    the API call it; the bare SQL reads the token's caller too."""
    api = reverse("tracker-api:assignment-list")
    client, token = ctx.api_client, ctx.api_token
    organisation = ctx.assignment.organisation
    status = ctx.assignment.status
    today = timezone.localdate(ctx.now)
    text = organisation.name.split()[0]
    contains = f"%{text}%"
    total = Assignment.objects.count()
    last_page = max(1, -(-total // PAGE_SIZE))
    like = (
        "WHERE a.action_id IN (SELECT id FROM roadmap_actionitem WHERE "
        f"{_contains('code')} OR {_contains('title')}) "
        "OR a.organisation_id IN (SELECT id FROM accounts_organisation WHERE "
        f"{_contains('code')} OR {_contains('name')})"
    )
    return [
        Scenario("api_assignments", _get(client, api), _assignment_list_sql(token, "", [])),
        Scenario(
            "api_assignments_org_status",
            _get(client, api, {"organisation": organisation.code, "status": status}),
            _assignment_list_sql(token, FILTER, [organisation.code, status]),
        ),
        Scenario(
            "api_assignments_overdue",
            _get(client, api, {"overdue": "true"}),
            _assignment_list_sql(token, OVERDUE_FILTER, [today]),
        ),
        Scenario(
            "api_assignments_search",
            _get(client, api, {"q": text}),
            _assignment_list_sql(token, like, [contains] * 4),
        ),
        Scenario(
            "api_assignments_last_page",
            _get(client, api, {"page": last_page}),
            _assignment_list_sql(token, "", [], last=total - (last_page - 1) * PAGE_SIZE),
        ),
    ]


def _page_scenarios(ctx: Context) -> list[Scenario]:
    """Pages a reader opens every day beside the dashboard; the bare SQL of each reads the
    session's caller too."""
    caller = _session_caller_sql(ctx.client, ctx.secretariat.pk, ctx.now)
    found = [
        Scenario(
            "roadmap_overview",
            _uncached(_get(ctx.client, reverse("roadmap:home"))),
            [*caller, *[(sql, []) for sql in OVERVIEW]],
        )
    ]
    if ctx.action is not None:
        found.append(
            Scenario(
                "action_page",
                _uncached(_get(ctx.client, reverse("roadmap:action", args=[ctx.action.code]))),
                [*caller, *_action_page_sql(ctx.action)],
            )
        )
    if ctx.closed_cycle is not None:
        found.append(
            Scenario(
                "review_report",
                _get(ctx.client, reverse("reviews:report", args=[ctx.closed_cycle.pk])),
                [
                    *caller,
                    *[(sql, [ctx.closed_cycle.pk] * sql.count("%s")) for sql in REVIEW_REPORT],
                ],
            )
        )
    found.extend(_audit_scenarios(ctx, caller))
    found.append(
        Scenario(
            "best_practice_search",
            _get(ctx.client, reverse("best_practices:library"), {"q": SEARCH_TEXT}),
            [*caller, *_best_practice_search_sql(SEARCH_TEXT)],
        )
    )
    return found


def _audit_scenarios(ctx: Context, caller: list) -> list[Scenario]:
    """The secretariat's audit trail: its first page, and filtered by a person's address and
    by an organisation, over the entries years of updates and log-ins leave."""
    audit = reverse("accounts:audit")
    kinds = ContentType.objects.get_for_models(User, Organisation, Membership, Assignment)
    kinds[StatusUpdate] = ContentType.objects.get_for_model(StatusUpdate)
    person = ctx.delegate.email.split("@")[0]
    organisation = ctx.assignment.organisation
    contains = f"%{person}%"
    by_organisation = [
        organisation.pk,
        kinds[Organisation].pk,
        organisation.pk,
        *[
            value
            for model in (Membership, Assignment, StatusUpdate)
            for value in (kinds[model].pk, organisation.pk)
        ],
    ]
    return [
        Scenario("audit_trail", _get(ctx.client, audit), [*caller, *_audit_sql("", [])]),
        Scenario(
            "audit_trail_person",
            _get(ctx.client, audit, {"person": person}),
            [
                *caller,
                *_audit_sql(
                    _audit_person(),
                    [contains, contains, kinds[User].pk, contains, kinds[User].pk, contains],
                    GATHERED_ORDER,
                ),
            ],
        ),
        Scenario(
            "audit_trail_organisation",
            _get(ctx.client, audit, {"organisation": organisation.code}),
            [*caller, *_audit_sql(_audit_organisation(), by_organisation, GATHERED_ORDER)],
        ),
    ]


def scenarios(ctx: Context) -> list[Scenario]:
    request = services.UpdateRequest(
        assignment_id=ctx.assignment.pk,
        base_version=ctx.assignment.version,
        status=Status.AT_RISK,
        progress=ctx.assignment.progress,
        narrative="Benchmark",
    )
    return [
        Scenario(
            "dashboard",
            _uncached(_get(ctx.client, reverse("roadmap:dashboard"))),
            [
                *_session_caller_sql(ctx.client, ctx.secretariat.pk, ctx.now),
                *_dashboard_sql(ctx.now),
            ],
        ),
        *_assignment_scenarios(ctx),
        *_page_scenarios(ctx),
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


def _uncached(run: Callable[[], object]) -> Callable[[], object]:
    def uncached():
        with override_settings(PAGE_CACHE_SECONDS=0):
            return run()

    return uncached


CACHED_LOOKS = ("dashboard_cached", "action_page_cached")


def _cached_looks(action, *, runs: int, warmup: int, wanted) -> list[Result]:
    """The dashboard and the longest action page looked at again with no write between, as
    most looks at them are (`dashboard` and `action_page` compute them every time). They run
    outside the rolled-back transaction, whose writes would leave them no data version to
    check the cache against, for a delegate whose session is made for them and removed after;
    the bare SQL of each is its computed page's."""
    member = _first_member(Role.DELEGATE, "a delegate")
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(member.user.pk)
    session[BACKEND_SESSION_KEY] = f"{AccountBackend.__module__}.{AccountBackend.__qualname__}"
    session[HASH_SESSION_KEY] = member.user.get_session_auth_hash()
    session.create()
    client = Client(HTTP_HOST="localhost")
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    now = timezone.now()
    caller = _session_caller_sql(client, member.user.pk, now)
    looks = [
        Scenario(
            "dashboard_cached",
            _get(client, reverse("roadmap:dashboard")),
            [*caller, *_dashboard_sql(now)],
        )
    ]
    if action is not None:
        looks.append(
            Scenario(
                "action_page_cached",
                _get(client, reverse("roadmap:action", args=[action.code])),
                [*caller, *_action_page_sql(action)],
            )
        )
    try:
        return [measure(look, runs=runs, warmup=warmup) for look in looks if wanted(look.name)]
    finally:
        session.delete()


def run_benchmark(
    *, runs: int, warmup: int, write: Callable[[str], None], only: list[str] | None = None
) -> list[Result]:
    """Writes the machine's line, then runs every scenario (or those whose names start with
    one of `only`) and writes one line each; the database is left unchanged."""

    def wanted(name: str) -> bool:
        return not only or name.startswith(tuple(only))

    results = []
    write(machine_line(runs=runs))
    with transaction.atomic():
        ctx = _context(timezone.now())
        chosen = [s for s in scenarios(ctx) if wanted(s.name)]
        if not chosen and not any(wanted(name) for name in CACHED_LOOKS):
            raise BenchmarkError(f"No scenario starts with {', '.join(only)}.")
        for scenario in chosen:
            result = measure(scenario, runs=runs, warmup=warmup)
            write(result.line())
            results.append(result)
        transaction.set_rollback(True)
    for result in _cached_looks(ctx.action, runs=runs, warmup=warmup, wanted=wanted):
        write(result.line())
        results.append(result)
    _reclaim_rolled_back_rows()
    return results


# The tables the write scenarios write: an update, a reminder pass, a close.
WRITTEN = (
    Assignment,
    StatusUpdate,
    ReviewCycle,
    ReviewSnapshot,
    CycleSubmission,
    SubmissionEvent,
    ReminderLog,
    Notification,
    DataChange,
    LogEntry,
)


def _reclaim_rolled_back_rows() -> None:
    """Rows written and rolled back stay in their tables, dead, until a VACUUM: each full run
    leaves about 800,000 review snapshots of its closes. Where autovacuum is off or behind (it
    is off on this machine's PostgreSQL), each run would hand the next larger tables to read,
    and the figures would drift from run to run. VACUUM cannot run inside a transaction
    (tests)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in WRITTEN)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {tables}")
