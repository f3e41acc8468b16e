"""Reads of the roadmap structure beyond a single get."""

from django.db.models import Prefetch, QuerySet

from accounts import policy
from roadmap.models import ActionItem, KeyOutcome, LineOfEffort
from tracker.selectors import shown_fields


def roadmap_overview(*, user) -> QuerySet[LineOfEffort]:
    """Every line with its outcomes, actions and holders, in a fixed number of queries.

    Each holder carries shown_status, shown_progress and shown_reported_at: what this user may
    read (the industry release for industry members; shown_reported_at is None when nothing
    was ever reported to them).
    """
    assignments = (
        policy.visible_assignments(user)
        .select_related("organisation")
        .annotate(**shown_fields(user))
        .order_by("-role", "organisation__code")
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
