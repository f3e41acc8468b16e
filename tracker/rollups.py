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

Everything is computed by the database, the whole tree in one query: a GROUP BY of the actions
joined to their assignments, then each level above aggregates the rows of the level below it
(common table expressions), so the mean of means is an AVG over the children's AVG and the worst
of the worst is a MAX. Nothing is correlated, so the database reads each assignment once; the
nested correlated subqueries this replaced made PostgreSQL estimate millions of row visits and
spend half a second compiling the query (JIT) before running it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from functools import lru_cache

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts import policy
from roadmap.choices import STATUS_SEVERITY, Status
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort, Roadmap
from tracker.selectors import overdue_q, stale_q

NOT_REPORTED_RANK = STATUS_SEVERITY[Status.NOT_STARTED]
NEEDS_ATTENTION = (Status.AT_RISK, Status.OFF_TRACK, Status.BLOCKED)
STATUS_BY_RANK = {rank: status for status, rank in STATUS_SEVERITY.items()}


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


# Each noun is translated only when asked for: a dashboard asks for 300 of them.
_CHILD_NOUNS = {
    "assignment": lambda count: ngettext("assignment", "assignments", count),
    "action": lambda count: ngettext("action", "actions", count),
    "outcome": lambda count: ngettext("outcome", "outcomes", count),
    "line": lambda count: ngettext("line", "lines", count),
}


def _child_nouns(kind: str, count: int) -> str:
    return _CHILD_NOUNS[kind](count)


# The overview writes hundreds of figures' words, most with the same few counts: each text is
# made once per language and set of counts. `language` is there for the cache's key.


@lru_cache(maxsize=4096)
def _reported_summary(language: str, kind: str, reported: int, counted: int, cancelled: int) -> str:
    summary = _("%(reported)d of %(counted)d %(children)s reported") % {
        "reported": reported,
        "counted": counted,
        "children": _child_nouns(kind, counted),
    }
    if cancelled:
        summary += " · " + _("%(n)d cancelled, left out") % {"n": cancelled}
    return summary


@lru_cache(maxsize=4096)
def _explanation(
    language: str,
    kind: str,
    total: int,
    counted: int,
    reported: int,
    not_reported: int,
    cancelled: int,
) -> str:
    parts = []
    if reported:
        parts.append(
            _(
                "Progress is the mean of %(n)d reported %(children)s, each weight 1 "
                "(a share of %(weight)s)."
            )
            % {
                "n": reported,
                "children": _child_nouns(kind, reported),
                "weight": Fraction(1, reported),
            }
        )
    elif total:
        parts.append(_("No progress: nothing beneath has been reported."))
    else:
        parts.append(
            _("Nothing to roll up: no %(children)s.") % {"children": _child_nouns(kind, 2)}
        )
    if not_reported:
        parts.append(
            _(
                "%(n)d %(children)s not reported: kept out of the progress, counted as "
                "not started for the status."
            )
            % {"n": not_reported, "children": _child_nouns(kind, not_reported)}
        )
    if cancelled:
        parts.append(
            _("%(n)d cancelled %(children)s left out.")
            % {"n": cancelled, "children": _child_nouns(kind, cancelled)}
        )
    if counted and reported:
        parts.append(
            _("Status is the worst of %(n)d counted %(children)s.")
            % {"n": counted, "children": _child_nouns(kind, counted)}
        )
    return " ".join(parts)


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
        counts = {}
        if "n_cancelled" in row:  # rows aggregated without the distribution leave it empty
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
        return _reported_summary(
            get_language(), self.children_kind, self.reported, self.counted, self.left_out_cancelled
        )

    def explain(self) -> str:
        """How the figure was reached, in the reader's language."""
        return _explanation(
            get_language(),
            self.children_kind,
            self.total,
            self.counted,
            self.reported,
            self.not_reported,
            self.left_out_cancelled,
        )

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


# SQL building blocks. Each aggregate compares plain columns: a CASE that every count
# re-evaluated made the roll-ups spend most of their time computing the same code 13 times a row.


def _rank(fields: _Fields, prefix: str = "") -> Case:
    """A row's rank for the worst status: not reported (or no assignment joined) counts as not
    started; a cancelled row has none and so drops out of Max."""
    status = prefix + fields.status
    return Case(
        When(Q(**{status: Status.CANCELLED}), then=Value(None)),
        When(Q(**{f"{prefix}{fields.reported_at}__isnull": True}), then=Value(NOT_REPORTED_RANK)),
        *[When(Q(**{status: value}), then=Value(rank)) for value, rank in STATUS_SEVERITY.items()],
        default=Value(NOT_REPORTED_RANK),
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


def _rows(queryset: QuerySet, fields: _Fields, path: str) -> QuerySet:
    """Joins each node to the assignments beneath it (LEFT JOIN: a node with none keeps a row)."""
    return queryset.order_by().alias(r_progress=_assignment_progress(fields, path))


def _aggregates(fields: _Fields, *, path: str, child: str, counts: bool = True) -> dict:
    """Figures of each group of rows from _rows, in one pass.

    A child is counted when any row beneath it is not cancelled (a node with no assignment
    keeps one row, which is not), reported when any such row is reported, and its worst
    status is the worst row beneath it, so one GROUP BY answers for every level. Status counts
    are of the assignments beneath, the distribution a report shows; an assignment with no
    report, or a status no rank knows, is "not reported". `counts=False` leaves the status
    counts out, for figures that never show them: a fifth of the heat map's query.
    """
    assignment = f"{path}id" if path else "pk"
    distinct = child != assignment  # several rows per child only above the action level
    status, reported_at = path + fields.status, path + fields.reported_at
    cancelled = Q(**{status: Status.CANCELLED})
    reported = Q(**{f"{reported_at}__isnull": False})
    figures = {
        "total": Count(child, distinct=distinct),
        "counted": Count(child, distinct=distinct, filter=~cancelled),
        "reported": Count(child, distinct=distinct, filter=Q(r_progress__isnull=False)),
        "worst": Max(_rank(fields, path)),
        "progress": Avg("r_progress", output_field=FloatField()),
    }
    if not counts:
        return figures
    by_status = {
        f"n_{value}": Count(assignment, filter=Q(**{status: value}) & reported)
        for value in STATUS_SEVERITY
    }
    return {
        **figures,
        "n_cancelled": Count(assignment, filter=cancelled),
        "n_not_reported": Count(assignment)
        - Count(assignment, filter=cancelled)
        - Count(assignment, filter=Q(**{f"{status}__in": list(STATUS_SEVERITY)}) & reported),
        **by_status,
    }


@dataclass(frozen=True)
class _Level:
    model: type
    path: str  # from the model to the assignments beneath it
    child: str  # from the model to its children's key
    children_kind: str


LEVELS = {
    "assignment": _Level(Assignment, "", "pk", "assignment"),
    "action": _Level(ActionItem, "assignments__", "assignments__id", "assignment"),
}


def _level_rows(
    level: str, fields: _Fields, nodes: QuerySet | None = None, *, counts: bool = True, **named
):
    """One aggregated row per node of the level: one query, however many assignments.
    `counts`: as for _aggregates."""
    spec = LEVELS[level]
    nodes = spec.model.objects.all() if nodes is None else nodes
    return (
        _rows(nodes, fields, spec.path)
        .values("id", **named)
        .annotate(**_aggregates(fields, path=spec.path, child=spec.child, counts=counts))
    )


# The levels above the actions, bottom up: the level, its model and the key of its parent.
UPPER_LEVELS = [
    ("outcome", KeyOutcome, "line_id"),
    ("line", LineOfEffort, "roadmap_id"),
    ("roadmap", Roadmap, None),
]
COUNT_COLUMNS = ["n_not_reported", "n_cancelled", *(f"n_{status}" for status in STATUS_SEVERITY)]
TREE_COLUMNS = ["id", "total", "counted", "reported", "worst", "progress", *COUNT_COLUMNS]


def _compiled(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.query.get_compiler(using=queryset.db).as_sql()


def _upper_level_sql(children: str, nodes: str) -> str:
    """A level's figures from its children's rows (`children`, a CTE), by the same rules as an
    action's from its assignments: a child is counted unless it is cancelled (it has children
    and none is counted), reported when anything beneath it is, and a node with no children
    at all reads as one not reported child for the worst status, as a LEFT JOIN row would."""
    counts = ",\n  ".join(f"COALESCE(SUM(c.{name}), 0) AS {name}" for name in COUNT_COLUMNS)
    return f"""SELECT p.id AS id, p.parent AS parent,
  COUNT(c.id) AS total,
  SUM(CASE WHEN c.total = 0 OR c.counted > 0 THEN 1 ELSE 0 END) AS counted,
  SUM(CASE WHEN c.reported > 0 THEN 1 ELSE 0 END) AS reported,
  MAX(CASE WHEN c.id IS NULL THEN {NOT_REPORTED_RANK} ELSE c.worst END) AS worst,
  AVG(c.progress) AS progress,
  {counts}
FROM ({nodes}) p LEFT JOIN {children} c ON c.parent = p.id
GROUP BY p.id, p.parent"""


def _tree(
    fields: _Fields, *, actions: QuerySet, up_to: str, scope: dict, read_from: str = "action"
) -> dict[str, dict]:
    """Rows of every level from the actions up to `up_to`, {level: {id: row}}, in one query.

    `scope` narrows each upper level's nodes ({level: queryset}); a level left out takes all.
    Levels below `read_from` are computed but not read back (empty in the result)."""
    action_sql, params = _compiled(_level_rows("action", fields, actions, parent=F("outcome_id")))
    ctes, params = [f"action_rows AS ({action_sql})"], list(params)
    levels, below = ["action"], "action_rows"
    for level, model, parent in UPPER_LEVELS:
        nodes = scope.get(level, model.objects.all()).order_by()
        nodes = nodes.values("id", parent=F(parent) if parent else Value(None, IntegerField()))
        nodes_sql, nodes_params = _compiled(nodes)
        ctes.append(f"{level}_rows AS ({_upper_level_sql(below, nodes_sql)})")
        params.extend(nodes_params)
        levels.append(level)
        below = f"{level}_rows"
        if level == up_to:
            break
    columns = ", ".join(TREE_COLUMNS)
    union = " UNION ALL ".join(
        f"SELECT {index} AS level, {columns} FROM {level}_rows"
        for index, level in enumerate(levels)
        if index >= levels.index(read_from)
    )
    tree: dict[str, dict] = {level: {} for level in levels}
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} {union}", params)
        names = ["level", *TREE_COLUMNS]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            # PostgreSQL sums counts as numeric: whole numbers here, as everywhere else.
            row.update({name: int(row[name]) for name in COUNT_COLUMNS})
            tree[levels[row["level"]]][row["id"]] = row
    return tree


def _figures(rows, *, key: str, children_kind: str) -> dict[int, Figure]:
    """One figure per aggregated row (one row per action, outcome, ... never per assignment)."""
    return {row[key]: Figure.from_row(row, children_kind=children_kind) for row in rows}


CHILDREN_KIND = {"action": "assignment", "outcome": "action", "line": "outcome", "roadmap": "line"}
LEVEL_BELOW = {"outcome": "action", "line": "outcome"}


def _tree_figures(tree: dict[str, dict], level: str) -> dict[int, Figure]:
    kind = CHILDREN_KIND[level]
    return {pk: Figure.from_row(row, children_kind=kind) for pk, row in tree[level].items()}


def _subtree(
    level: str, *, user, node, actions: QuerySet, scope: dict, children: QuerySet
) -> Figure:
    """One outcome's or line's figure, naming each child: the tree beneath it, and the names;
    two queries."""
    kind = CHILDREN_KIND[level]
    if not policy.can_view_roadmap(user):
        return Figure(kind)
    tree = _tree(_fields_for(user), actions=actions, up_to=level, scope=scope)
    row = tree[level].get(node.pk)
    figure = Figure.from_row(row, children_kind=kind) if row else Figure(kind)
    child_level = LEVEL_BELOW[level]
    figures = _tree_figures(tree, child_level)
    for pk, code in children.order_by("number").values_list("pk", "code"):
        _name_child(figure, code, figures.get(pk) or Figure(CHILDREN_KIND[child_level]))
    return figure


def _holders(*, user, action: ActionItem) -> Figure:
    """One action's figure, naming each holder by organisation code: two queries."""
    fields = _fields_for(user)
    if not policy.can_view_roadmap(user):
        return Figure("assignment")
    row = _level_rows("action", fields, ActionItem.objects.filter(pk=action.pk)).first()
    figure = Figure.from_row(row, children_kind="assignment") if row else Figure("assignment")
    holders = policy.visible_assignments(user).filter(action=action)
    # A holder's status counts would be of itself alone; only its status and progress are named.
    rows = _level_rows("assignment", fields, holders, counts=False, label=F("organisation__code"))
    for child in rows.order_by("label"):
        _name_child(figure, child["label"], Figure.from_row(child, children_kind="assignment"))
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


def rollup_roadmap(*, user, read_from: str = "action") -> RoadmapRollup:
    """Every action, outcome and line and the whole roadmap, in one query.

    `read_from="line"` reads back only the lines and the roadmap (outcomes and actions are
    left empty): what the dashboard shows, without building 840 figures it would not use."""
    if not policy.can_view_roadmap(user):
        return RoadmapRollup(roadmap=Figure("line"), lines={}, outcomes={}, actions={})
    tree = _tree(
        _fields_for(user),
        actions=ActionItem.objects.all(),
        up_to="roadmap",
        scope={},
        read_from=read_from,
    )
    roadmaps = _tree_figures(tree, "roadmap")
    return RoadmapRollup(
        # The product tracks one roadmap; its figure, or an empty one before it is loaded.
        roadmap=next(iter(roadmaps.values()), Figure("line")),
        lines=_tree_figures(tree, "line"),
        outcomes=_tree_figures(tree, "outcome"),
        actions=_tree_figures(tree, "action"),
    )


def rollup_for_action(*, user, action: ActionItem) -> Figure:
    """One action from its assignments, naming each holder by organisation code."""
    return _holders(user=user, action=action)


def rollup_for_outcome(*, user, outcome: KeyOutcome) -> Figure:
    """One outcome from its actions, naming each action."""
    return _subtree(
        "outcome",
        user=user,
        node=outcome,
        actions=ActionItem.objects.filter(outcome=outcome),
        scope={"outcome": KeyOutcome.objects.filter(pk=outcome.pk)},
        children=ActionItem.objects.filter(outcome=outcome),
    )


def rollup_for_line(*, user, line: LineOfEffort) -> Figure:
    """One line from its outcomes, naming each outcome."""
    return _subtree(
        "line",
        user=user,
        node=line,
        actions=ActionItem.objects.filter(outcome__line=line),
        scope={
            "outcome": KeyOutcome.objects.filter(line=line),
            "line": LineOfEffort.objects.filter(pk=line.pk),
        },
        children=KeyOutcome.objects.filter(line=line),
    )


def rollup_by_organisation(*, user) -> dict[int, Figure]:
    """Per organisation id, from all of its assignments (each weight 1); one query."""
    fields = _fields_for(user)
    rows = (
        _rows(policy.visible_assignments(user), fields, "")
        .values("organisation_id")
        .annotate(**_aggregates(fields, path="", child="pk"))
    )
    return _figures(rows, key="organisation_id", children_kind="assignment")


@dataclass
class OrganisationCells:
    """One row of the heat map: the organisation's code and name (read with the figures, so
    the map needs no query of its own for them) and {line id: figure}, each without the status
    counts, which the map does not show."""

    pk: int
    code: str
    name: str
    cells: dict[int, Figure]


def organisation_line_cells(*, user) -> list[OrganisationCells]:
    """Per organisation holding visible assignments, in code order, the figure of its
    assignments on each line (each weight 1): the dashboard's heat map, in one query."""
    fields = _fields_for(user)
    rows = (
        _rows(policy.visible_assignments(user), fields, "")
        .values(
            "organisation_id",
            "organisation__code",
            "organisation__name",
            line_id=F("action__outcome__line_id"),
        )
        .annotate(**_aggregates(fields, path="", child="pk", counts=False))
    )
    by_organisation: dict[int, OrganisationCells] = {}
    for row in rows:
        organisation = by_organisation.setdefault(
            row["organisation_id"],
            OrganisationCells(
                pk=row["organisation_id"],
                code=row["organisation__code"],
                name=row["organisation__name"],
                cells={},
            ),
        )
        organisation.cells[row["line_id"]] = Figure.from_row(row, children_kind="assignment")
    return sorted(by_organisation.values(), key=lambda organisation: organisation.code)


def rollup_by_organisation_and_line(*, user) -> dict[int, dict[int, Figure]]:
    """{organisation id: {line id: figure}}; see organisation_line_cells."""
    return {row.pk: row.cells for row in organisation_line_cells(user=user)}


def count_overdue_and_stale(
    *,
    user,
    today: date | None = None,
    now: datetime | None = None,
    also: dict[str, Q] | None = None,
) -> dict[str, int]:
    """How many visible assignments are overdue, how many stale and how many at risk, off
    track or blocked as the user reads them, in one query; `also` adds a count per condition
    to the same query (the dashboard's missing review updates).

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
        at_risk=Count("pk", filter=Q(**{f"{fields.status}__in": NEEDS_ATTENTION})),
        **{name: Count("pk", filter=condition) for name, condition in (also or {}).items()},
    )
