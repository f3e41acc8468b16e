"""Roll-ups: the progress and worst status beneath every action, outcome, line and organisation.

The rules, which `Figure.explain()` repeats to the reader:

- Children: an action's are its assignments, an outcome's its actions, a line's its outcomes,
  the roadmap's its lines; an organisation's are its assignments.
- A cancelled child is left out (and listed as left out). A parent whose every child is
  cancelled is itself cancelled, so its own parent leaves it out too.
- A child nobody has reported on (an assignment with no update; an action, outcome or line
  with nothing reported beneath) is "not reported": kept apart from 0 %, out of the progress,
  and counted as "not started" for the status, so a parent is never "completed" while one of
  its children was never reported.
- Progress is the mean of the reported children's progress, each child weight 1, so an action
  with many holders weighs no more in its outcome than one with a single holder. A parent with
  nothing reported has progress None.
- Status is the worst counted child (blocked > off track > at risk > on track > not started);
  completed only when every counted child is; None when nothing beneath was reported.
- Industry-only readers roll up the industry release (industry_status / industry_progress /
  industry_reported_at), so no status marked NATO only reaches them through a figure.

- Status counts (`Figure.counts`) are of the assignments beneath, the distribution a report
  shows; the other counts are of children.

Everything is computed by the database. Each level is one GROUP BY of its nodes joined to the
assignments beneath them: the worst of the worst is the worst, so one pass gives the status and
the counts. Progress, a mean of means, is a correlated subquery run once per node. The whole
roadmap costs four queries whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import policy
from roadmap.choices import STATUS_SEVERITY, Status
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort, Roadmap
from tracker.selectors import overdue_q, stale_q

# A child's code: its worst status rank (0 completed .. 5 blocked), CANCELLED when every child
# beneath it is cancelled, NULL when nothing beneath it was reported.
CANCELLED = 6
NOT_REPORTED_RANK = STATUS_SEVERITY[Status.NOT_STARTED]
STATUS_BY_RANK = {rank: status for status, rank in STATUS_SEVERITY.items()}
INDUSTRY_FIELDS = {"status": "industry_status", "last_reported_at": "industry_reported_at"}


@dataclass(frozen=True)
class _Fields:
    """Which assignment columns the reader rolls up: the NATO record or the industry release."""

    status: str
    progress: str
    reported_at: str


NATO_FIELDS = _Fields("status", "progress", "last_reported_at")
INDUSTRY_RELEASE = _Fields("industry_status", "industry_progress", "industry_reported_at")


def _fields_for(user) -> _Fields:
    return INDUSTRY_RELEASE if policy.reads_industry_view_only(user) else NATO_FIELDS


# Figures


def _child_nouns(kind: str, count: int) -> str:
    nouns = {
        "assignment": ngettext("assignment", "assignments", count),
        "action": ngettext("action", "actions", count),
        "outcome": ngettext("outcome", "outcomes", count),
        "line": ngettext("line", "lines", count),
    }
    return nouns[kind]


@dataclass
class Figure:
    """One roll-up: plain values only, so pages and the API can show or serialise it as is."""

    children_kind: str
    progress: float | None = None
    status: str | None = None
    total: int = 0
    counted: int = 0
    reported: int = 0
    not_reported: int = 0
    left_out_cancelled: int = 0
    # The assignments beneath, by status, with those never reported under "not_reported":
    # the distribution a report shows. The fields above count children.
    counts: dict[str, int] = field(default_factory=dict)
    # Filled for single-node roll-ups: each child by code.
    counted_children: list[dict] = field(default_factory=list)
    not_reported_children: list[str] = field(default_factory=list)
    left_out_children: list[str] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: dict, *, children_kind: str) -> Figure:
        total, counted, reported = row["total"], row["counted"], row["reported"]
        if total == 0 or (counted and not reported):
            status = None
        elif counted == 0:
            status = Status.CANCELLED.value
        else:
            status = STATUS_BY_RANK[row["worst"]].value
        counts = {str(value): row[f"n_{value}"] for value in STATUS_SEVERITY}
        counts[Status.CANCELLED.value] = row["n_cancelled"]
        counts["not_reported"] = row["n_not_reported"]
        return cls(
            children_kind=children_kind,
            progress=None if row["progress"] is None else round(float(row["progress"]), 1),
            status=status,
            total=total,
            counted=counted,
            reported=reported,
            not_reported=counted - reported,
            left_out_cancelled=total - counted,
            counts=counts,
        )

    @property
    def weight(self) -> str | None:
        """Each reported child's share of the progress, as a fraction such as "1/3"."""
        return str(Fraction(1, self.reported)) if self.reported else None

    def reported_summary(self) -> str:
        """A short line for pages: "3 of 4 assignments reported · 1 cancelled, left out"."""
        summary = _("%(reported)d of %(counted)d %(children)s reported") % {
            "reported": self.reported,
            "counted": self.counted,
            "children": _child_nouns(self.children_kind, self.counted),
        }
        if self.left_out_cancelled:
            summary += " · " + _("%(n)d cancelled, left out") % {"n": self.left_out_cancelled}
        return summary

    def explain(self) -> str:
        """How the figure was reached, in the reader's language."""
        kind = self.children_kind
        parts = []
        if self.reported:
            parts.append(
                _(
                    "Progress is the mean of %(n)d reported %(children)s, each weight 1 "
                    "(a share of %(weight)s)."
                )
                % {
                    "n": self.reported,
                    "children": _child_nouns(kind, self.reported),
                    "weight": self.weight,
                }
            )
        elif self.total:
            parts.append(_("No progress: nothing beneath has been reported."))
        else:
            parts.append(
                _("Nothing to roll up: no %(children)s.") % {"children": _child_nouns(kind, 2)}
            )
        if self.not_reported:
            parts.append(
                _(
                    "%(n)d %(children)s not reported: kept out of the progress, counted as "
                    "not started for the status."
                )
                % {"n": self.not_reported, "children": _child_nouns(kind, self.not_reported)}
            )
        if self.left_out_cancelled:
            parts.append(
                _("%(n)d cancelled %(children)s left out.")
                % {
                    "n": self.left_out_cancelled,
                    "children": _child_nouns(kind, self.left_out_cancelled),
                }
            )
        if self.counted and self.reported:
            parts.append(
                _("Status is the worst of %(n)d counted %(children)s.")
                % {"n": self.counted, "children": _child_nouns(kind, self.counted)}
            )
        return " ".join(parts)

    @property
    def explanation(self) -> dict:
        return {
            "text": self.explain(),
            "children": self.children_kind,
            "weight_each": self.weight,
            "counted": self.counted_children,
            "not_reported": self.not_reported_children,
            "left_out_cancelled": self.left_out_children,
        }

    def as_dict(self) -> dict:
        return {
            "progress": self.progress,
            "status": self.status,
            "total": self.total,
            "counted": self.counted,
            "reported": self.reported,
            "not_reported": self.not_reported,
            "left_out_cancelled": self.left_out_cancelled,
            "counts": dict(self.counts),
            "explanation": self.explanation,
        }


@dataclass
class RoadmapRollup:
    """Figures for the whole roadmap and for each line, outcome and action, keyed by id.

    A node with nothing beneath it has no entry; the accessors return an empty figure then.
    """

    roadmap: Figure
    lines: dict[int, Figure]
    outcomes: dict[int, Figure]
    actions: dict[int, Figure]

    def line(self, pk: int) -> Figure:
        return self.lines.get(pk) or Figure("outcome")

    def outcome(self, pk: int) -> Figure:
        return self.outcomes.get(pk) or Figure("action")

    def action(self, pk: int) -> Figure:
        return self.actions.get(pk) or Figure("assignment")


# SQL building blocks


def _assignment_code(fields: _Fields, prefix: str = "") -> Case:
    """An assignment row's code; on a LEFT JOIN a missing assignment reads as not reported."""
    status = prefix + fields.status
    return Case(
        When(Q(**{status: Status.CANCELLED}), then=Value(CANCELLED)),
        When(Q(**{f"{prefix}{fields.reported_at}__isnull": True}), then=Value(None)),
        *[When(Q(**{status: value}), then=Value(rank)) for value, rank in STATUS_SEVERITY.items()],
        output_field=IntegerField(),
    )


def _assignment_progress(fields: _Fields, prefix: str = "") -> Case:
    """Progress of a reported, not cancelled assignment; NULL otherwise (never a 0 for nothing)."""
    return Case(
        When(Q(**{prefix + fields.status: Status.CANCELLED}), then=Value(None)),
        When(
            Q(**{f"{prefix}{fields.reported_at}__isnull": False}),
            then=F(prefix + fields.progress),
        ),
        output_field=IntegerField(),
    )


def _rank() -> Case:
    """A row's rank for the worst status: not reported (or nothing joined) counts as not
    started; a cancelled row has none and so drops out of Max."""
    return Case(
        When(r_code__isnull=True, then=Value(NOT_REPORTED_RANK)),
        When(r_code__lt=CANCELLED, then=F("r_code")),
        output_field=IntegerField(),
    )


def _rows(queryset: QuerySet, fields: _Fields, path: str) -> QuerySet:
    """Joins each node to the assignments beneath it (LEFT JOIN: a node with none keeps a row)."""
    return queryset.order_by().alias(
        r_code=_assignment_code(fields, path), r_progress=_assignment_progress(fields, path)
    )


def _aggregates(*, path: str, child: str) -> dict:
    """Figures of each group of rows from _rows, in one pass.

    A child is counted when any row beneath it is not cancelled, reported when any such row is
    reported, and its worst status is the worst row beneath it, so one GROUP BY answers for
    every level. Status counts are of the assignments beneath, the distribution a report shows.
    """
    assignment = f"{path}id" if path else "pk"
    distinct = child != assignment  # several rows per child only above the action level
    return {
        "total": Count(child, distinct=distinct),
        "counted": Count(
            child, distinct=distinct, filter=Q(r_code__isnull=True) | Q(r_code__lt=CANCELLED)
        ),
        "reported": Count(child, distinct=distinct, filter=Q(r_progress__isnull=False)),
        "worst": Max(_rank()),
        "progress": Avg("r_progress", output_field=FloatField()),
        "n_not_reported": Count(assignment, filter=Q(r_code__isnull=True)),
        "n_cancelled": Count(assignment, filter=Q(r_code=CANCELLED)),
        **{
            f"n_{status}": Count(assignment, filter=Q(r_code=rank))
            for status, rank in STATUS_SEVERITY.items()
        },
    }


class _OncePerGroup(Subquery):
    """A subquery correlated only to the key a query groups by. Django would add it to the
    GROUP BY, which makes the database run it once per joined row; left out, it runs once per
    group."""

    def get_group_by_cols(self):
        return []


def _mean_over(model, parent: str, child_progress) -> Subquery:
    """Mean of the children's progress per outer parent: each child weighs 1."""
    return _OncePerGroup(
        model.objects.filter(**{parent: OuterRef("pk")})
        .order_by()
        .alias(c=child_progress)
        .values(parent)
        .annotate(p=Avg("c", output_field=FloatField()))
        .values("p"),
        output_field=FloatField(),
    )


def _action_progress(fields: _Fields) -> Subquery:
    return _mean_over(Assignment, "action", _assignment_progress(fields))


def _outcome_progress(fields: _Fields) -> Subquery:
    return _mean_over(ActionItem, "outcome", _action_progress(fields))


def _line_progress(fields: _Fields) -> Subquery:
    return _mean_over(KeyOutcome, "line", _outcome_progress(fields))


def _roadmap_progress(fields: _Fields) -> Subquery:
    return _mean_over(LineOfEffort, "roadmap", _line_progress(fields))


@dataclass(frozen=True)
class _Level:
    model: type
    path: str  # from the model to the assignments beneath it
    child: str  # from the model to its children's key
    children_kind: str
    mean_of_means: object = None  # progress one level at a time; None: mean of assignments


LEVELS = {
    "assignment": _Level(Assignment, "", "pk", "assignment"),
    "action": _Level(ActionItem, "assignments__", "assignments__id", "assignment"),
    "outcome": _Level(
        KeyOutcome, "actions__assignments__", "actions__id", "action", _outcome_progress
    ),
    "line": _Level(
        LineOfEffort, "outcomes__actions__assignments__", "outcomes__id", "outcome", _line_progress
    ),
    "roadmap": _Level(
        Roadmap, "lines__outcomes__actions__assignments__", "lines__id", "line", _roadmap_progress
    ),
}


def _level_rows(level: str, fields: _Fields, nodes: QuerySet | None = None, **named):
    """One aggregated row per node of the level: one query, however many assignments."""
    spec = LEVELS[level]
    aggregates = _aggregates(path=spec.path, child=spec.child)
    if spec.mean_of_means is not None:
        aggregates["progress"] = spec.mean_of_means(fields)
    nodes = spec.model.objects.all() if nodes is None else nodes
    return _rows(nodes, fields, spec.path).values("id", **named).annotate(**aggregates)


def _figures(rows, *, key: str, children_kind: str) -> dict[int, Figure]:
    """One figure per aggregated row (one row per action, outcome, ... never per assignment)."""
    return {row[key]: Figure.from_row(row, children_kind=children_kind) for row in rows}


def _single(level: str, *, user, node, children: QuerySet, child_level: str) -> Figure:
    """One node's figure, naming each child: two queries."""
    fields = _fields_for(user)
    kind = LEVELS[level].children_kind
    if not policy.can_view_roadmap(user):
        return Figure(kind)
    row = _level_rows(level, fields, LEVELS[level].model.objects.filter(pk=node.pk)).first()
    figure = Figure.from_row(row, children_kind=kind) if row else Figure(kind)
    label, order = (
        ("organisation__code", "label") if child_level == "assignment" else ("code", "number")
    )
    for child in _level_rows(child_level, fields, children, label=F(label)).order_by(order):
        child_kind = LEVELS[child_level].children_kind
        _name_child(figure, child["label"], Figure.from_row(child, children_kind=child_kind))
    return figure


def _name_child(figure: Figure, code: str, child: Figure) -> None:
    if child.status == Status.CANCELLED:
        figure.left_out_children.append(code)
    elif child.progress is None:
        figure.not_reported_children.append(code)
    else:
        figure.counted_children.append(
            {
                "code": code,
                "status": child.status,
                "progress": child.progress,
                "weight": figure.weight,
            }
        )


# Public API


def rollup_roadmap(*, user) -> RoadmapRollup:
    """Every action, outcome and line and the whole roadmap, in four queries."""
    if not policy.can_view_roadmap(user):
        return RoadmapRollup(roadmap=Figure("line"), lines={}, outcomes={}, actions={})
    fields = _fields_for(user)
    roadmaps = _figures(_level_rows("roadmap", fields), key="id", children_kind="line")
    return RoadmapRollup(
        # The product tracks one roadmap; its figure, or an empty one before it is loaded.
        roadmap=next(iter(roadmaps.values()), Figure("line")),
        lines=_figures(_level_rows("line", fields), key="id", children_kind="outcome"),
        outcomes=_figures(_level_rows("outcome", fields), key="id", children_kind="action"),
        actions=_figures(_level_rows("action", fields), key="id", children_kind="assignment"),
    )


def rollup_for_action(*, user, action: ActionItem) -> Figure:
    """One action from its assignments, naming each holder by organisation code."""
    return _single(
        "action",
        user=user,
        node=action,
        children=policy.visible_assignments(user).filter(action=action),
        child_level="assignment",
    )


def rollup_for_outcome(*, user, outcome: KeyOutcome) -> Figure:
    """One outcome from its actions, naming each action."""
    return _single(
        "outcome",
        user=user,
        node=outcome,
        children=ActionItem.objects.filter(outcome=outcome),
        child_level="action",
    )


def rollup_for_line(*, user, line: LineOfEffort) -> Figure:
    """One line from its outcomes, naming each outcome."""
    return _single(
        "line",
        user=user,
        node=line,
        children=KeyOutcome.objects.filter(line=line),
        child_level="outcome",
    )


def rollup_by_organisation(*, user) -> dict[int, Figure]:
    """Per organisation id, from all of its assignments (each weight 1); one query."""
    rows = (
        _rows(policy.visible_assignments(user), _fields_for(user), "")
        .values("organisation_id")
        .annotate(**_aggregates(path="", child="pk"))
    )
    return _figures(rows, key="organisation_id", children_kind="assignment")


def rollup_by_organisation_and_line(*, user) -> dict[int, dict[int, Figure]]:
    """{organisation id: {line id: figure}} from the organisation's assignments on that line,
    each weight 1: the cells of the dashboard's heat map, in one query."""
    rows = (
        _rows(policy.visible_assignments(user), _fields_for(user), "")
        .values("organisation_id", line_id=F("action__outcome__line_id"))
        .annotate(**_aggregates(path="", child="pk"))
    )
    cells: dict[int, dict[int, Figure]] = {}
    for row in rows:
        cells.setdefault(row["organisation_id"], {})[row["line_id"]] = Figure.from_row(
            row, children_kind="assignment"
        )
    return cells


def count_overdue_and_stale(
    *, user, today: date | None = None, now: datetime | None = None
) -> dict[str, int]:
    """How many visible assignments are overdue and how many stale, in one query.

    Industry-only readers get the counts on the industry release, or a completion marked NATO
    only would show through as one fewer overdue assignment.
    """
    fields = _fields_for(user)
    rows = (
        policy.visible_assignments(user)
        .order_by()
        .alias(effective_due_date=Coalesce("due_date", "action__due_date"))
    )
    industry_view = fields != NATO_FIELDS
    return rows.aggregate(
        overdue=Count("pk", filter=overdue_q(today, industry_view=industry_view)),
        stale=Count("pk", filter=stale_q(now, industry_view=industry_view)),
    )
