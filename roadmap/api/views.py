"""The roadmap structure, read-only: it changes through the admin and the loader."""

from functools import cache

from django.db.models import Prefetch
from rest_framework import viewsets

from accounts import policy
from roadmap.api import serializers
from roadmap.filtersets import ActionItemFilterSet, KeyOutcomeFilterSet
from roadmap.models import ActionItem, KeyOutcome, LineOfEffort
from tracker import rollups


def _readable(user, queryset):
    return queryset if policy.can_view_roadmap(user) else queryset.none()


class WithRollup:
    """Gives the serializer each node's roll-up: on a list, the whole roadmap's figures are
    computed once (a fixed number of queries) and looked up by id; on a detail, the node's own
    figure names each child."""

    node: str  # "line", "outcome" or "action"

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user, node = self.request.user, self.node
        if self.action == "list":
            whole = cache(lambda: rollups.rollup_roadmap(user=user))
            context["rollup_of"] = lambda obj: getattr(whole(), node)(obj.pk)
        else:
            single = getattr(rollups, f"rollup_for_{node}")
            context["rollup_of"] = lambda obj: single(user=user, **{node: obj})
        return context


class LineOfEffortViewSet(WithRollup, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.LineOfEffortSerializer
    node = "line"
    lookup_field = "code"

    def get_queryset(self):
        lines = LineOfEffort.objects.order_by("number").prefetch_related(
            Prefetch("outcomes", queryset=KeyOutcome.objects.order_by("number"))
        )
        return _readable(self.request.user, lines)


class KeyOutcomeViewSet(WithRollup, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.KeyOutcomeSerializer
    node = "outcome"
    filterset_class = KeyOutcomeFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        outcomes = (
            KeyOutcome.objects.select_related("line")
            .order_by("line__number", "number")
            .prefetch_related(Prefetch("actions", queryset=ActionItem.objects.order_by("number")))
        )
        return _readable(self.request.user, outcomes)


class ActionItemViewSet(WithRollup, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ActionItemSerializer
    node = "action"
    filterset_class = ActionItemFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        assignees = (
            policy.visible_assignments(self.request.user)
            .select_related("organisation")
            .order_by("-role", "organisation__code")
        )
        actions = (
            ActionItem.objects.select_related("outcome__line")
            .order_by("outcome__line__number", "outcome__number", "number")
            .prefetch_related(Prefetch("assignments", queryset=assignees))
        )
        return _readable(self.request.user, actions)
