"""Reads of assignments and their history, scoped to what the user may see.

Roll-ups live in tracker/rollups.py.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import policy
from roadmap.choices import Status
from tracker.models import StatusUpdate

CLOSED_STATUSES = (Status.COMPLETED, Status.CANCELLED)


def shown_fields(user) -> dict[str, F]:
    """The status fields this user reads: industry-only readers get the industry release."""
    if policy.reads_industry_view_only(user):
        return {
            "shown_status": F("industry_status"),
            "shown_progress": F("industry_progress"),
            "shown_reported_at": F("industry_reported_at"),
        }
    return {
        "shown_status": F("status"),
        "shown_progress": F("progress"),
        "shown_reported_at": F("last_reported_at"),
    }


def stale_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.STALE_AFTER_DAYS)


def _columns(industry_view: bool) -> tuple[str, str]:
    """Industry-only readers judge by the industry release, or a completion marked NATO only
    would show through as an assignment that is no longer overdue."""
    return (
        ("industry_status", "industry_reported_at")
        if industry_view
        else (
            "status",
            "last_reported_at",
        )
    )


def overdue_q(today: date | None = None, *, industry_view: bool = False) -> Q:
    """Open assignments whose own due date, or else their action's, has passed.

    Needs the `effective_due_date` annotation (see `assignment_list`)."""
    status, _reported = _columns(industry_view)
    today = today or timezone.localdate()
    return Q(effective_due_date__lt=today) & ~Q(**{f"{status}__in": CLOSED_STATUSES})


def stale_q(now: datetime | None = None, *, industry_view: bool = False) -> Q:
    """Open assignments with no update for STALE_AFTER_DAYS (or never, once that old)."""
    status, reported = _columns(industry_view)
    cutoff = stale_cutoff(now)
    return ~Q(**{f"{status}__in": CLOSED_STATUSES}) & (
        Q(**{f"{reported}__lt": cutoff})
        | Q(**{f"{reported}__isnull": True, "created_at__lt": cutoff})
    )


def assignment_list(*, user, today: date | None = None, now: datetime | None = None):
    """Every assignment the user may see, with what a list shows, in one query."""
    scope = assignment_scope(user=user, now=now).select_related(
        "organisation", "action__outcome__line"
    )
    return with_due_dates(scope, user=user, today=today)


def assignment_scope(*, user, now: datetime | None = None):
    """`assignment_list` without its due dates, which join each row's action: a count of the
    list that filters on none of them then reads the assignments alone (1 ms, not 3, over
    25,000). Filters and pages add them where they need them (`with_due_dates`)."""
    industry_view = policy.reads_industry_view_only(user)
    return (
        policy.visible_assignments(user)
        .annotate(**shown_fields(user))
        .annotate(
            is_stale=Case(
                When(stale_q(now, industry_view=industry_view), then=Value(True)),
                default=Value(False),
            ),
        )
        .order_by("action__code", "organisation__code")
    )


def with_due_dates(assignments: QuerySet, *, user, today: date | None = None) -> QuerySet:
    """Adds `effective_due_date` and `is_overdue` to `assignment_scope`, once."""
    if "effective_due_date" in assignments.query.annotations:
        return assignments
    industry_view = policy.reads_industry_view_only(user)
    return assignments.annotate(
        effective_due_date=Coalesce("due_date", "action__due_date"),
    ).annotate(
        is_overdue=Case(
            When(overdue_q(today, industry_view=industry_view), then=Value(True)),
            default=Value(False),
        ),
    )


def assignment_rows(assignments: QuerySet, *, user) -> QuerySet:
    """Assignments of `assignment_scope` as plain rows of what the API shows. A page of 50
    would otherwise build 250 model instances (each row's action, outcome, line and
    organisation) to read three of their columns. Apply it after counting and paging: its
    columns join tables that a count does not need."""
    return with_due_dates(assignments, user=user).values(
        "id",
        "organisation_id",
        "role",
        "version",
        "effective_due_date",
        "shown_status",
        "shown_progress",
        "shown_reported_at",
        "is_overdue",
        "is_stale",
        action_code=F("action__code"),
        action_title=F("action__title"),
        organisation_code=F("organisation__code"),
    )


def status_update_list(*, user) -> QuerySet[StatusUpdate]:
    """The history the user may read, newest first, with what a timeline shows."""
    return (
        policy.visible_status_updates(user)
        .select_related("author", "assignment__organisation", "assignment__action")
        .order_by("-created_at", "-pk")
    )
