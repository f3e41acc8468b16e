"""Reads for review cycles: scope, who has reported, and the report of a closed cycle.

The report is computed from the frozen ReviewSnapshot rows only, by aggregate queries, so it
never changes once the cycle is closed and costs the same few queries for any number of rows.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Case,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts import policy
from accounts.choices import UPDATING_ROLES
from accounts.models import Membership, Organisation
from roadmap.choices import Status
from roadmap.models import Assignment
from tracker.models import (
    CycleState,
    CycleSubmission,
    ReviewCycle,
    ReviewSnapshot,
    SecretariatAssessment,
)
from tracker.selectors import CLOSED_STATUSES

NOT_REPORTED = "not_reported"


def cycle_list(*, user) -> QuerySet[ReviewCycle]:
    if not policy.can_view_roadmap(user):
        return ReviewCycle.objects.none()
    return ReviewCycle.objects.annotate(line_count=Count("lines")).order_by("-opens_at", "-pk")


def scope_line_ids(cycle: ReviewCycle) -> list[int]:
    """An empty list means every line."""
    return [line.pk for line in cycle.lines.all()]


def scope_q(*, cycle: ReviewCycle) -> Q:
    """An assignment in the cycle's scope: on one of its lines, or anywhere when it names none.
    The lines are a subquery, so the condition costs no query of its own."""
    line_count = getattr(cycle, "line_count", None)  # annotated by cycle_list
    if line_count is None:
        line_count = cycle.lines.count()
    if not line_count:
        return Q()
    return Q(action__outcome__line_id__in=cycle.lines.values("pk"))


def in_scope_assignments(*, cycle: ReviewCycle, line_ids: list[int] | None = None):
    line_ids = scope_line_ids(cycle) if line_ids is None else line_ids
    assignments = Assignment.objects.order_by()
    if line_ids:
        assignments = assignments.filter(action__outcome__line_id__in=line_ids)
    return assignments


def reported_q(*, cycle: ReviewCycle, until: datetime | None = None) -> Q:
    """Updated since the cycle opened (and, for a closed cycle, before it closed)."""
    q = Q(last_reported_at__gte=cycle.opened_at)
    if until is not None:
        q &= Q(last_reported_at__lte=until)
    return q


def awaiting_q(*, cycle: ReviewCycle) -> Q:
    """Still asked for an update in this cycle: open and not updated since the cycle opened."""
    return ~Q(status__in=CLOSED_STATUSES) & (
        Q(last_reported_at__isnull=True) | Q(last_reported_at__lt=cycle.opened_at)
    )


def expected_q(*, cycle: ReviewCycle) -> Q:
    """The base of the reporting rate: open assignments plus any reported in the cycle."""
    return ~Q(status__in=CLOSED_STATUSES) | reported_q(cycle=cycle)


def awaiting_items(*, cycle: ReviewCycle, organisation_ids=None) -> list[dict]:
    """The open items of a cycle, in one query, for digests and the escalation."""
    items = in_scope_assignments(cycle=cycle).filter(awaiting_q(cycle=cycle))
    if organisation_ids is not None:
        items = items.filter(organisation_id__in=list(organisation_ids))
    return list(
        items.annotate(effective_due_date=Coalesce("due_date", "action__due_date"))
        .values(
            "pk",
            "organisation_id",
            "organisation__code",
            "organisation__name",
            "action__code",
            "action__title",
            "effective_due_date",
            "status",
        )
        .order_by("organisation__code", "action__code")
    )


def recipients_for(*, organisation_ids) -> list[Membership]:
    """Members who may update their organisation's assignments: they are the ones asked."""
    return list(
        Membership.objects.filter(
            organisation_id__in=list(organisation_ids),
            role__in=sorted(UPDATING_ROLES),
            user__is_active=True,
            organisation__is_active=True,
        )
        .select_related("user")
        .order_by("user_id", "organisation_id")
    )


@dataclass
class ProgressRow:
    key: int
    code: str
    name: str
    expected: int
    reported: int
    submission_state: str = ""
    submission_label: str = ""
    submission_id: int | None = None

    @property
    def awaiting(self) -> int:
        return self.expected - self.reported

    @property
    def rate(self) -> int | None:
        return round(100 * self.reported / self.expected) if self.expected else None


def cycle_progress(*, cycle: ReviewCycle) -> dict:
    """Who has reported and who has not, per organisation, per line and in all (the sum of
    the organisations), for an open cycle."""
    scoped = in_scope_assignments(cycle=cycle).filter(expected_q(cycle=cycle))
    counts = {
        "expected": Count("pk"),
        "reported": Count("pk", filter=reported_q(cycle=cycle)),
    }
    submissions = {
        s.organisation_id: s for s in CycleSubmission.objects.filter(cycle=cycle).order_by()
    }
    by_org = []
    for row in (
        scoped.values("organisation_id", "organisation__code", "organisation__name")
        .annotate(**counts)
        .order_by("organisation__code")
    ):
        submission = submissions.get(row["organisation_id"])
        by_org.append(
            ProgressRow(
                key=row["organisation_id"],
                code=row["organisation__code"],
                name=row["organisation__name"],
                expected=row["expected"],
                reported=row["reported"],
                submission_state=submission.state if submission else "",
                submission_label=submission.get_state_display() if submission else "",
                submission_id=submission.pk if submission else None,
            )
        )
    by_line = [
        ProgressRow(
            key=row["action__outcome__line_id"],
            code=row["action__outcome__line__code"],
            name=row["action__outcome__line__title"],
            expected=row["expected"],
            reported=row["reported"],
        )
        for row in scoped.values(
            "action__outcome__line_id",
            "action__outcome__line__code",
            "action__outcome__line__title",
        )
        .annotate(**counts)
        .order_by("action__outcome__line__number")
    ]
    total = ProgressRow(
        key=0,
        code="",
        name="",
        expected=sum(row.expected for row in by_org),
        reported=sum(row.reported for row in by_org),
    )
    return {"organisations": by_org, "lines": by_line, "total": total}


def submission_list(*, cycle: ReviewCycle) -> QuerySet[CycleSubmission]:
    return (
        CycleSubmission.objects.filter(cycle=cycle)
        .select_related("organisation")
        .order_by("organisation__code")
    )


def submission_assignments(*, submission: CycleSubmission):
    """The in-scope assignments an organisation attests, with the secretariat's assessment."""
    cycle = submission.cycle
    assessments = SecretariatAssessment.objects.filter(cycle=cycle, assignment=OuterRef("pk"))
    comments = assessments.values("comment")[:1]
    assessments = assessments.values("status")[:1]
    return (
        in_scope_assignments(cycle=cycle)
        .filter(organisation_id=submission.organisation_id)
        .exclude(status=Status.CANCELLED)
        .select_related("action")
        .annotate(
            assessed_status=Subquery(assessments),
            assessment_comment=Subquery(comments),
            reported_in_cycle=Case(
                When(reported_q(cycle=cycle), then=Value(True)), default=Value(False)
            ),
        )
        .order_by("action__code")
    )


# The report of a closed cycle


REPORT_CATEGORIES = [*Status.values, NOT_REPORTED]


def _category_counts() -> dict:
    """One Count per status, plus "not reported" (never updated) kept apart from not started."""
    counts = {
        f"n_{status}": Count("pk", filter=Q(status=status, last_reported_at__isnull=False))
        for status in Status.values
    }
    counts[f"n_{NOT_REPORTED}"] = Count("pk", filter=Q(last_reported_at__isnull=True))
    return counts


def _figures() -> dict:
    return {
        "total": Count("pk"),
        "expected": Count("pk", filter=Q(expected_to_report=True)),
        "reported": Count("pk", filter=Q(reported_in_cycle=True, expected_to_report=True)),
        "overdue": Count("pk", filter=Q(overdue=True)),
        "stale": Count("pk", filter=Q(stale=True)),
        "improved": Count("pk", filter=Q(change__gt=0)),
        "worsened": Count("pk", filter=Q(change__lt=0)),
        "unchanged": Count("pk", filter=Q(change=0)),
        "assessed_differs": Count(
            "pk", filter=~Q(assessed_status="") & ~Q(assessed_status=F("status"))
        ),
        **_category_counts(),
    }


def category_label(category: str) -> str:
    if category == NOT_REPORTED:
        return _("Not reported")
    return Status(category).label


@dataclass
class ReportRow:
    code: str
    name: str
    figures: dict
    organisation_id: int | None = None

    @property
    def rate(self) -> int | None:
        """None when nothing was expected: "not reported" is never shown as 0 %."""
        expected = self.figures["expected"]
        return round(100 * self.figures["reported"] / expected) if expected else None

    @property
    def distribution(self) -> list[tuple[str, int, int]]:
        """(category, count, percent of the row's assignments) for the bar charts."""
        total = self.figures["total"] or 1
        return [
            (
                category,
                self.figures[f"n_{category}"],
                round(100 * self.figures[f"n_{category}"] / total),
            )
            for category in REPORT_CATEGORIES
        ]


@dataclass
class CycleReport:
    cycle: ReviewCycle
    totals: ReportRow
    organisations: list[ReportRow] = field(default_factory=list)
    lines: list[ReportRow] = field(default_factory=list)
    changes: list[ReviewSnapshot] = field(default_factory=list)
    differences: list[ReviewSnapshot] = field(default_factory=list)


def _line_rows(snapshots) -> list[ReportRow]:
    rows = []
    for row in (
        snapshots.values("line__code", "line__title", "line__number")
        .annotate(**_figures())
        .order_by("line__number")
    ):
        del row["line__number"]
        rows.append(ReportRow(code=row.pop("line__code"), name=row.pop("line__title"), figures=row))
    return rows


def cycle_report(*, cycle: ReviewCycle) -> CycleReport:
    """Five aggregate queries over the frozen snapshot, whatever its size."""
    snapshots = ReviewSnapshot.objects.filter(cycle=cycle).order_by()
    totals = ReportRow(code="", name="", figures=snapshots.aggregate(**_figures()))
    organisations = [
        ReportRow(
            organisation_id=row.pop("organisation_id"),
            code=row.pop("organisation__code"),
            name=row.pop("organisation__name"),
            figures=row,
        )
        for row in snapshots.values("organisation_id", "organisation__code", "organisation__name")
        .annotate(**_figures())
        .order_by("organisation__code")
    ]
    detail = snapshots.select_related("assignment__action", "organisation").order_by(
        "organisation__code", "assignment__action__code"
    )
    return CycleReport(
        cycle=cycle,
        totals=totals,
        organisations=organisations,
        lines=_line_rows(snapshots),
        changes=list(detail.exclude(change=0).exclude(change__isnull=True)),
        differences=list(detail.exclude(assessed_status="").exclude(assessed_status=F("status"))),
    )


@dataclass
class OrganisationReport:
    cycle: ReviewCycle
    totals: ReportRow
    lines: list[ReportRow]


def organisation_report(*, cycle: ReviewCycle, organisation) -> OrganisationReport:
    """One organisation's part of a closed cycle's report: the same frozen rows and the same
    aggregates as its row in `cycle_report`, so the two always show the same figures."""
    snapshots = ReviewSnapshot.objects.filter(cycle=cycle, organisation=organisation).order_by()
    return OrganisationReport(
        cycle=cycle,
        totals=ReportRow(
            organisation_id=organisation.pk,
            code=organisation.code,
            name=organisation.name,
            figures=snapshots.aggregate(**_figures()),
        ),
        lines=_line_rows(snapshots),
    )


def report_organisations(*, user, cycle: ReviewCycle) -> QuerySet[Organisation]:
    """The organisations a closed cycle's report has a row for, as far as the user sees."""
    return policy.visible_organisations(user).filter(
        pk__in=ReviewSnapshot.objects.filter(cycle=cycle).values("organisation_id")
    )


def closed_cycles(*, user) -> QuerySet[ReviewCycle]:
    return cycle_list(user=user).filter(state=CycleState.CLOSED)
