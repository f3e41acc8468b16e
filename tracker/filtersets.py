"""Filters over assignments and status updates, shared by the API and the pages.

They run on the querysets of tracker.selectors, so the status filters match the status the
user is shown (an industry reader filters on what industry may read, never on a NATO-only one).
"""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts import policy
from accounts.models import Organisation
from roadmap.choices import AssignmentRole, Status
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort
from tracker import selectors
from tracker.models import StatusUpdate


def _visible_organisations(request):
    return policy.visible_organisations(getattr(request, "user", None))


@extend_schema_field(OpenApiTypes.STR)
class CodesFilter(django_filters.ModelMultipleChoiceFilter):
    """Several codes, as `?organisation=FRA&organisation=DEU`; an unknown code is a 400."""

    def __init__(self, relation: str, queryset, label):
        super().__init__(
            field_name=f"{relation}__code",
            to_field_name="code",
            queryset=queryset,
            label=label,
            distinct=False,
        )
        self.relation = relation

    def filter(self, qs, value):
        """By the chosen rows' ids, which the field has read already: no join on their table.
        No choice cleans to an empty queryset, left alone: asking it whether it is empty
        compiles it, which four such filters did on every list call."""
        if isinstance(value, QuerySet) and value.query.is_empty():
            return qs
        if not value:
            return qs
        return qs.filter(**{f"{self.relation}__in": [row.pk for row in value]})


def _yes_no(field_name: str, label, description):
    """`true` or `false`; anything else is a 400 rather than silently no filter. The schema is
    stated, since the field may be an annotation that the view's queryset adds only on demand
    (`with_due_dates`)."""
    yes_no = django_filters.TypedChoiceFilter(
        field_name=field_name,
        choices=[("true", _("Yes")), ("false", _("No"))],
        coerce=lambda value: value == "true",
        label=label,
    )
    schema = {"type": "string", "enum": ["true", "false"], "description": description}
    return extend_schema_field(schema)(yes_no)


DUE_DATE_FILTERS = ("due_before", "due_after", "overdue")


class StableOrderingFilter(django_filters.OrderingFilter):
    """The chosen order, then the list's own (action, organisation, id) for ties. Without it,
    rows that tie (many share a progress or a status) came back in whatever order the
    database's plan gave, which can change between two pages of one list and repeat or skip
    a row."""

    TIEBREAK = ("action__code", "organisation__code", "pk")

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.order_by(*(self.get_ordering_value(param) for param in value), *self.TIEBREAK)


class AssignmentFilterSet(django_filters.FilterSet):
    line = CodesFilter("action__outcome__line", LineOfEffort.objects.all(), _("Line of effort"))
    outcome = CodesFilter("action__outcome", KeyOutcome.objects.all(), _("Key outcome"))
    action = CodesFilter("action", ActionItem.objects.all(), _("Action item"))
    organisation = CodesFilter("organisation", _visible_organisations, _("Organisation"))
    status = django_filters.MultipleChoiceFilter(
        field_name="shown_status", choices=Status.choices, label=_("Status"), distinct=False
    )
    role = django_filters.ChoiceFilter(choices=AssignmentRole.choices, label=_("Role"))
    due_before = django_filters.DateFilter(
        field_name="effective_due_date", lookup_expr="lte", label=_("Due on or before")
    )
    due_after = django_filters.DateFilter(
        field_name="effective_due_date", lookup_expr="gte", label=_("Due on or after")
    )
    overdue = _yes_no(
        "is_overdue",
        _("Overdue"),
        _("`true`: open and past its due date (its own, or else its action item's)."),
    )
    stale = _yes_no(
        "is_stale",
        _("Stale"),
        _("`true`: open and not updated for STALE_AFTER_DAYS days (90 unless set otherwise)."),
    )
    q = django_filters.CharFilter(
        method="filter_text", label=_("Action code or title, organisation code or name")
    )
    ordering = StableOrderingFilter(
        fields=(
            ("action__code", "action"),
            ("organisation__code", "organisation"),
            ("role", "role"),
            ("effective_due_date", "due_date"),
            ("shown_status", "status"),
            ("shown_progress", "progress"),
            ("shown_reported_at", "last_reported_at"),
            ("version", "version"),
            ("id", "id"),
        )
    )

    class Meta:
        model = Assignment
        fields = [
            "line",
            "outcome",
            "action",
            "organisation",
            "status",
            "role",
            "due_before",
            "due_after",
            "overdue",
            "stale",
            "q",
        ]

    def filter_queryset(self, queryset):
        """The due-date filters and ordering need the due dates, which
        `tracker.selectors.assignment_scope` leaves out so that a count without them is cheap."""
        data = self.form.cleaned_data
        if any(data.get(name) not in (None, "") for name in DUE_DATE_FILTERS) or any(
            key.lstrip("-") == "due_date" for key in data.get("ordering") or ()
        ):
            user = getattr(self.request, "user", None)
            queryset = selectors.with_due_dates(queryset, user=user)
        return super().filter_queryset(queryset)

    def filter_text(self, queryset, name, value):
        """The action's code or title, or the organisation's code or name, contains `value`.
        Both tables are small: matching them first leaves the assignments two id lists to
        check, rather than four text comparisons on every joined row."""
        actions = ActionItem.objects.filter(Q(code__icontains=value) | Q(title__icontains=value))
        organisations = Organisation.objects.filter(
            Q(code__icontains=value) | Q(name__icontains=value)
        )
        return queryset.filter(
            Q(action_id__in=actions.values("pk"))
            | Q(organisation_id__in=organisations.values("pk"))
        )


class StatusUpdateFilterSet(django_filters.FilterSet):
    assignment = django_filters.NumberFilter(field_name="assignment_id", label=_("Assignment id"))
    action = django_filters.CharFilter(
        field_name="assignment__action__code", label=_("Action item (code)")
    )
    organisation = CodesFilter(
        "assignment__organisation", _visible_organisations, _("Organisation")
    )
    since = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("Recorded at or after")
    )
    q = django_filters.CharFilter(
        field_name="narrative", lookup_expr="icontains", label=_("Narrative contains")
    )

    class Meta:
        model = StatusUpdate
        fields = ["assignment", "action", "organisation", "since", "q"]
