"""Reads of the roadmap structure beyond a single get."""

from django.db.models import Prefetch, QuerySet

from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort


def roadmap_overview() -> QuerySet[LineOfEffort]:
    """Every line with its outcomes, actions and assignees, in a fixed number of queries."""
    assignments = Assignment.objects.select_related("organisation").order_by(
        "-role", "organisation__code"
    )
    actions = ActionItem.objects.order_by("number").prefetch_related(
        Prefetch("assignments", queryset=assignments)
    )
    outcomes = KeyOutcome.objects.order_by("number").prefetch_related(
        Prefetch("actions", queryset=actions)
    )
    return LineOfEffort.objects.order_by("number").prefetch_related(
        Prefetch("outcomes", queryset=outcomes)
    )
