"""Reads of the roadmap structure and of the daily pages beyond a single get.

Every read starts from accounts.policy and shows statuses through the selectors' shown_* fields
or the roll-ups, so an industry-only reader never meets a status marked NATO only.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber, TruncMonth
from django.utils import timezone

from accounts import policy
from accounts.models import Organisation
from roadmap.choices import STATUS_SEVERITY
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort
from tracker import review_selectors
from tracker.models import CycleState, ReviewCycle, StatusUpdate
from tracker.rollups import (
    NEEDS_ATTENTION,
    Figure,
    OrganisationCells,
    count_overdue_and_stale,
    organisation_line_cells,
    rollup_roadmap,
)
from tracker.selectors import assignment_list, shown_fields, status_update_list

# Shown on the dashboard lists; the full lists are one link away.
ATTENTION_LIMIT = 10
RECENT_LIMIT = 15
RECENT_DAYS = 7
# The action page's timeline, and each older page of it.
TIMELINE_PAGE = 25
ACTIVITY_MONTHS = 12


# Holders the overview shows under each action, leads first; the action's page has them all.
# An action held by every Ally would otherwise list 32 of them, and at 25,000 assignments the
# overview was a page of 21 MB that took 4 s to build.
OVERVIEW_HOLDERS = 6


class Holder(NamedTuple):
    """One holder under an action of the overview, as plain values."""

    organisation_code: str
    organisation_name: str
    role: str
    shown_status: str
    shown_progress: int
    reported: bool  # whether anything was ever reported to this reader


def roadmap_overview(*, user) -> list[LineOfEffort]:
    """Every line with its outcomes and actions, in four queries; each action carries `holders`,
    its first OVERVIEW_HOLDERS, leads first.

    Each holder's shown_* fields are what this user may read (the industry release for
    industry members).
    """
    actions = ActionItem.objects.defer("description").order_by("number")
    outcomes = KeyOutcome.objects.order_by("number").prefetch_related(
        Prefetch("actions", queryset=actions)
    )
    lines = list(
        LineOfEffort.objects.order_by("number").prefetch_related(
            Prefetch("outcomes", queryset=outcomes)
        )
    )
    holders = _overview_holders(user)
    for line in lines:
        for outcome in line.outcomes.all():
            for action in outcome.actions.all():
                action.holders = holders.get(action.pk, [])
    return lines


def _overview_holders(user) -> dict[int, list[Holder]]:
    """Up to 4,800 holders at scale, read as tuples: as model instances through a prefetch
    they took a third of the page's time."""
    order = [F("role").desc(), F("organisation__code").asc()]
    rows = (
        policy.visible_assignments(user)
        .annotate(**shown_fields(user))
        .annotate(reported=ExpressionWrapper(Q(shown_reported_at__isnull=False), BooleanField()))
        .annotate(place=Window(RowNumber(), partition_by=F("action_id"), order_by=order))
        .filter(place__lte=OVERVIEW_HOLDERS)
        .order_by("action_id", *order)
        .values_list(
            "action_id",
            "organisation__code",
            "organisation__name",
            "role",
            "shown_status",
            "shown_progress",
            "reported",
        )
    )
    holders: dict[int, list[Holder]] = {}
    for action_id, *values in rows:
        holders.setdefault(action_id, []).append(Holder(*values))
    return holders


# Dashboard


@dataclass
class HeatMapRow:
    organisation: OrganisationCells  # its pk, code and name
    cells: list[Figure | None]  # one per line, None where the organisation holds nothing


@dataclass
class HeatMap:
    lines: list[LineOfEffort]
    rows: list[HeatMapRow]


def heat_map(*, user, lines: list[LineOfEffort] | None = None) -> HeatMap:
    """Organisations (rows) by lines of effort (columns): two queries, whatever the size, or
    one when the caller has the lines already."""
    organisations = organisation_line_cells(user=user)
    lines = list(LineOfEffort.objects.order_by("number")) if lines is None else lines
    return HeatMap(
        lines=lines,
        rows=[
            HeatMapRow(
                organisation=organisation,
                cells=[organisation.cells.get(line.pk) for line in lines],
            )
            for organisation in organisations
        ],
    )


@dataclass
class AttentionList:
    count: int
    items: list[Assignment]


def overdue_assignments(
    *, user, today: date | None = None, count: int | None = None
) -> AttentionList:
    """Overdue first by how long ago they fell due; `count` when the caller has counted them."""
    rows = assignment_list(user=user, today=today).filter(is_overdue=True)
    return AttentionList(
        count=rows.count() if count is None else count,
        items=_first(rows, "effective_due_date", "action__code"),
    )


def _first(rows: QuerySet[Assignment], *order) -> list[Assignment]:
    """The first ATTENTION_LIMIT rows in `order`, in one query: a narrow subquery sorts the
    matching ids, and only those rows are joined to everything a list shows. Sorting the full
    joined rows (thousands, each carrying its line's and organisation's text) took three times
    as long."""
    first = rows.order_by(*order).values("pk")[:ATTENTION_LIMIT]
    return list(rows.filter(pk__in=first).order_by(*order))


def at_risk_assignments(*, user, count: int | None = None) -> AttentionList:
    """At risk, off track or blocked as the user reads them, worst first; `count` when the
    caller has counted them."""
    rows = assignment_list(user=user).filter(shown_status__in=NEEDS_ATTENTION)
    severity = Case(
        *[
            When(shown_status=status, then=Value(STATUS_SEVERITY[status]))
            for status in NEEDS_ATTENTION
        ],
        output_field=IntegerField(),
    )
    return AttentionList(
        count=rows.count() if count is None else count,
        items=_first(
            rows.annotate(severity=severity), "-severity", "effective_due_date", "action__code"
        ),
    )


def recent_status_updates(*, user, now: datetime | None = None) -> AttentionList:
    """What changed in the last week that this user may read."""
    since = (now or timezone.now()) - timedelta(days=RECENT_DAYS)
    # The count rides along as a window over every matching row: one query, not two.
    updates = list(
        status_update_list(user=user)
        .filter(created_at__gte=since)
        .annotate(matching=Window(Count("pk")))[:RECENT_LIMIT]
    )
    return AttentionList(count=updates[0].matching if updates else 0, items=updates)


@dataclass
class OpenCycle:
    cycle: ReviewCycle
    missing: int | None  # every organisation; None for readers of the industry release only
    missing_mine: int | None  # the user's own organisations; None when they hold none


def dashboard_tallies(*, user) -> tuple[dict[str, int], OpenCycle | None]:
    """The overdue, stale and at-risk counts and the open review cycle with how many
    assignments still owe it an update: the cycle's query and one aggregate.

    The missing count follows NATO-only reports too, so industry-only readers get only the
    count of their own organisations, whose reports they answer for.
    """
    cycle = review_selectors.cycle_list(user=user).filter(state=CycleState.OPEN).first()
    if cycle is None:
        return count_overdue_and_stale(user=user), None
    awaiting = review_selectors.scope_q(cycle=cycle) & review_selectors.awaiting_q(cycle=cycle)
    mine = policy.updatable_organisation_ids(user)
    counts = count_overdue_and_stale(
        user=user,
        also={"missing": awaiting, "missing_mine": awaiting & Q(organisation_id__in=mine)},
    )
    return counts, OpenCycle(
        cycle=cycle,
        missing=None if policy.reads_industry_view_only(user) else counts["missing"],
        missing_mine=counts["missing_mine"] if mine else None,
    )


def roadmap_progress(*, user):
    """Lines in order with the roll-up of each, for the dashboard's progress bars."""
    rollup = rollup_roadmap(user=user, read_from="line")
    return rollup, [
        (line, rollup.line(line.pk)) for line in LineOfEffort.objects.order_by("number")
    ]


# Structure pages


def line_with_outcomes(*, code: str) -> LineOfEffort:
    """Raises LineOfEffort.DoesNotExist; the structure is readable by every member."""
    outcomes = KeyOutcome.objects.annotate(action_count=Count("actions")).order_by("number")
    return LineOfEffort.objects.prefetch_related(Prefetch("outcomes", queryset=outcomes)).get(
        code=code
    )


def outcome_with_actions(*, user, code: str) -> KeyOutcome:
    """Each action carries its visible holder count."""
    visible = policy.visible_assignments(user).values("pk")
    actions = ActionItem.objects.annotate(
        holder_count=Count("assignments", filter=Q(assignments__in=visible))
    ).order_by("number")
    return (
        KeyOutcome.objects.select_related("line")
        .prefetch_related(Prefetch("actions", queryset=actions))
        .get(code=code)
    )


def action_assignments(*, user, action: ActionItem):
    return assignment_list(user=user).filter(action=action).order_by("-role", "organisation__code")


@dataclass
class Timeline:
    count: int  # this page's updates and every older one
    updates: list[StatusUpdate]

    @property
    def older(self) -> int:
        """How many readable updates come after this page."""
        return self.count - len(self.updates)


def action_timeline(*, user, action: ActionItem, before: int | None = None) -> Timeline:
    """A page of the readable updates of an action, newest first, and the evidence they link
    to; with `before`, the page that follows that update.

    Raises StatusUpdate.DoesNotExist when `before` is no update of this action the user may
    read: a page that follows it would tell what it hides.
    """
    updates = status_update_list(user=user).filter(assignment__action=action)
    if before is not None:
        anchor = updates.values("created_at", "pk").get(pk=before)
        updates = updates.filter(
            Q(created_at__lt=anchor["created_at"])
            | Q(created_at=anchor["created_at"], pk__lt=anchor["pk"])
        )
    # The count of all of them rides along as a window: one query, not two.
    shown = list(updates.annotate(matching=Window(Count("pk")))[:TIMELINE_PAGE])
    return Timeline(count=shown[0].matching if shown else 0, updates=shown)


# Evidence links the action page lists, newest first; the older ones stay on their updates.
EVIDENCE_SHOWN = 50


@dataclass(frozen=True)
class EvidenceLink:
    url: str
    organisation_code: str
    created_at: datetime


@dataclass
class Evidence:
    links: list[EvidenceLink]  # the newest EVIDENCE_SHOWN
    count: int  # all of them


def action_evidence(*, user, action: ActionItem) -> Evidence:
    """What every readable update of the action links to, newest first, in one query. The
    timeline shows a page of updates; the evidence gathered over the years must not stop at
    that page."""
    rows = (
        status_update_list(user=user)
        .filter(assignment__action=action)
        .exclude(evidence_links=[])
        .values_list("evidence_links", "assignment__organisation__code", "created_at")
    )
    links = [
        EvidenceLink(url, organisation_code, created_at)
        for urls, organisation_code, created_at in rows
        for url in urls
    ]
    return Evidence(links=links[:EVIDENCE_SHOWN], count=len(links))


def organisation_assignments(*, user, organisation: Organisation):
    return assignment_list(user=user).filter(organisation=organisation)


def organisation_activity(
    *, user, organisation: Organisation, months: int = ACTIVITY_MONTHS, today: date | None = None
) -> list[tuple[date, int]]:
    """Readable updates per month over the last `months` months, oldest first, zeros kept."""
    today = today or timezone.localdate()
    first = _month_start(today, back=months - 1)
    counts = {
        row["month"].date() if isinstance(row["month"], datetime) else row["month"]: row["n"]
        for row in status_update_list(user=user)
        .filter(assignment__organisation=organisation, created_at__date__gte=first)
        .order_by()
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
    }
    return [
        (month, counts.get(month, 0))
        for month in (_month_start(today, back=back) for back in range(months - 1, -1, -1))
    ]


def _month_start(day: date, *, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


# Worklist


def worklist(*, user):
    """The assignments of the organisations the user updates for, as the user reads them."""
    return assignment_list(user=user).filter(
        organisation_id__in=sorted(policy.updatable_organisation_ids(user))
    )


def newer_updates(*, user, assignment: Assignment, since_version: int) -> list[StatusUpdate]:
    """The readable updates recorded after the version a user's form was based on."""
    return list(
        status_update_list(user=user).filter(assignment=assignment, version__gt=since_version)
    )
