"""Filters of the best-practice library, shared by its page, its CSV export and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts import policy
from accounts.choices import Releasability
from roadmap.models import ActionItem, CriticalMaterial, LineOfEffort
from tracker import best_practice_selectors as selectors
from tracker.filtersets import CodesFilter
from tracker.models import BestPractice, BestPracticeState, BestPracticeTag


class ChooseOne(forms.SelectMultiple):
    """A drop-down with "Any" on the page; an address may still ask for several
    (`?line=LOE-1&line=LOE-2`)."""

    allow_multiple_selected = False

    def value_from_datadict(self, data, files, name):
        return [value for value in super().value_from_datadict(data, files, name) if value]

    def optgroups(self, name, value, attrs=None):
        any_option = self.create_option(name, "", _("Any"), not value, 0)
        return [(None, [any_option], 0), *super().optgroups(name, value, attrs)]


DATE_INPUT = forms.DateInput(attrs={"type": "date"})


@extend_schema_field(OpenApiTypes.STR)
class KeysFilter(django_filters.ModelMultipleChoiceFilter):
    """Several keys, as `?tag=recycling&tag=stockpiling`; an unknown key is a 400."""


def _visible_organisations(request):
    return policy.visible_organisations(getattr(request, "user", None))


class BestPracticeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search_last", label=_("Search"))
    line = CodesFilter("lines", LineOfEffort.objects.order_by("number"), _("Line of effort"))
    action = CodesFilter("actions", ActionItem.objects.order_by("code"), _("Action item"))
    material = KeysFilter(
        field_name="materials__slug",
        to_field_name="slug",
        queryset=CriticalMaterial.objects.order_by("name"),
        label=_("Critical raw material"),
        widget=ChooseOne,
    )
    organisation = CodesFilter("organisation", _visible_organisations, _("Organisation"))
    tag = KeysFilter(
        field_name="tags__name",
        to_field_name="name",
        queryset=BestPracticeTag.objects.all(),
        label=_("Tag"),
        widget=ChooseOne,
    )
    releasability = django_filters.ChoiceFilter(
        choices=Releasability.choices, label=_("Releasable to")
    )
    state = django_filters.MultipleChoiceFilter(
        choices=BestPracticeState.choices, label=_("State"), distinct=False
    )
    published_after = django_filters.DateFilter(
        field_name="published_at__date",
        lookup_expr="gte",
        label=_("Published on or after"),
        widget=DATE_INPUT,
    )
    published_before = django_filters.DateFilter(
        field_name="published_at__date",
        lookup_expr="lte",
        label=_("Published on or before"),
        widget=DATE_INPUT,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The API builds only the filters a request names (accounts.api.filtering).
        for name in {"line", "action", "organisation"} & self.filters.keys():
            self.filters[name].extra["widget"] = ChooseOne

    class Meta:
        model = BestPractice
        fields = [
            "q",
            "line",
            "action",
            "material",
            "organisation",
            "tag",
            "releasability",
            "state",
            "published_after",
            "published_before",
        ]

    def search_last(self, queryset, name, value):
        """Applied in filter_queryset, after the other filters, to keep best matches first."""
        return queryset

    def filter_queryset(self, queryset):
        """Relation filters join many-to-many tables; a row matching twice is shown once.
        Searching last keeps its best-match order."""
        filtered = super().filter_queryset(queryset)
        if any(self.form.cleaned_data.get(name) for name in ("line", "action", "material", "tag")):
            filtered = queryset.filter(pk__in=filtered.values("pk"))
        return selectors.search_best_practices(filtered, text=self.form.cleaned_data.get("q"))
