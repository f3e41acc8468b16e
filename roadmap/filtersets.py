"""Filters over the roadmap structure, shared by the API and the pages."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from roadmap.models import ActionItem, KeyOutcome


class KeyOutcomeFilterSet(django_filters.FilterSet):
    line = django_filters.CharFilter(field_name="line__code", label=_("Line of effort (code)"))

    class Meta:
        model = KeyOutcome
        fields = ["line", "is_illustrative"]


class ActionItemFilterSet(django_filters.FilterSet):
    line = django_filters.CharFilter(
        field_name="outcome__line__code", label=_("Line of effort (code)")
    )
    outcome = django_filters.CharFilter(field_name="outcome__code", label=_("Key outcome (code)"))
    organisation = django_filters.CharFilter(
        method="filter_organisation", label=_("Assigned to organisation (code)")
    )
    q = django_filters.CharFilter(method="filter_text", label=_("Code or title contains"))

    class Meta:
        model = ActionItem
        fields = ["line", "outcome", "organisation", "is_illustrative", "q"]

    def filter_organisation(self, queryset, name, value):
        return queryset.filter(
            pk__in=ActionItem.objects.filter(assignments__organisation__code=value).values("pk")
        )

    def filter_text(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(title__icontains=value))
