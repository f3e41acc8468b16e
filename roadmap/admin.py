from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.admin import PolicyAdminMixin
from roadmap.materials import sentence, total_problem
from roadmap.models import (
    ActionItem,
    Assignment,
    CriticalMaterial,
    KeyOutcome,
    LineOfEffort,
    MaterialDefenceUse,
    MaterialMitigation,
    MaterialSupplier,
    Roadmap,
)


class RoadmapAdminAccess(PolicyAdminMixin):
    policy_check = staticmethod(policy.can_edit_roadmap)


# Status and progress change only through status updates, which keep the history; the version
# guards concurrent updates and is never typed in by hand.
ASSIGNMENT_READONLY_FIELDS = ("status", "progress", "version")


class LineOfEffortInline(RoadmapAdminAccess, admin.TabularInline):
    model = LineOfEffort
    fields = ("number", "code", "title", "title_status")
    show_change_link = True
    extra = 0


class KeyOutcomeInline(RoadmapAdminAccess, admin.TabularInline):
    model = KeyOutcome
    fields = ("number", "code", "title", "is_illustrative")
    show_change_link = True
    extra = 0


class ActionItemInline(RoadmapAdminAccess, admin.TabularInline):
    model = ActionItem
    fields = ("number", "code", "title", "due_date", "is_illustrative")
    show_change_link = True
    extra = 0


class AssignmentInline(RoadmapAdminAccess, admin.TabularInline):
    model = Assignment
    fields = ("organisation", "role", "due_date", *ASSIGNMENT_READONLY_FIELDS)
    readonly_fields = ASSIGNMENT_READONLY_FIELDS
    autocomplete_fields = ("organisation",)
    extra = 0

    def get_queryset(self, request):
        # Each row's title names both the action and the organisation.
        return super().get_queryset(request).select_related("action", "organisation")


@admin.register(Roadmap)
class RoadmapAdmin(RoadmapAdminAccess, admin.ModelAdmin):
    list_display = ("code", "title", "endorsed")
    search_fields = ("code", "title")
    inlines = (LineOfEffortInline,)


@admin.register(LineOfEffort)
class LineOfEffortAdmin(RoadmapAdminAccess, admin.ModelAdmin):
    list_display = ("code", "title", "title_status")
    list_filter = ("title_status",)
    search_fields = ("code", "title")
    autocomplete_fields = ("roadmap",)
    inlines = (KeyOutcomeInline,)


@admin.register(KeyOutcome)
class KeyOutcomeAdmin(RoadmapAdminAccess, admin.ModelAdmin):
    list_display = ("code", "title", "line", "is_illustrative")
    list_filter = ("line", "is_illustrative")
    search_fields = ("code", "title")
    list_select_related = ("line",)
    autocomplete_fields = ("line",)
    inlines = (ActionItemInline,)


@admin.register(ActionItem)
class ActionItemAdmin(RoadmapAdminAccess, admin.ModelAdmin):
    list_display = (
        "code",
        "title",
        "outcome",
        "due_date",
        "is_illustrative",
        "assignment_count",
    )
    list_filter = ("outcome__line", "is_illustrative")
    search_fields = ("code", "title")
    list_select_related = ("outcome",)
    autocomplete_fields = ("outcome",)
    inlines = (AssignmentInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(assignment_count=Count("assignments"))
            .order_by(*ActionItem._meta.ordering)
        )

    @admin.display(description=_("assignments"), ordering="assignment_count")
    def assignment_count(self, action):
        return action.assignment_count


@admin.register(Assignment)
class AssignmentAdmin(RoadmapAdminAccess, admin.ModelAdmin):
    list_display = ("action_code", "organisation", "role", "status", "progress", "due_date")
    list_filter = ("status", "role", "organisation__kind", "action__outcome__line")
    search_fields = ("action__code", "action__title", "organisation__code", "organisation__name")
    list_select_related = ("action", "organisation")
    autocomplete_fields = ("action", "organisation")
    readonly_fields = (*ASSIGNMENT_READONLY_FIELDS, "created_at", "updated_at")

    @admin.display(description=_("action item"), ordering="action__code")
    def action_code(self, assignment):
        return assignment.action.code


# Critical raw materials


class SupplierFormSet(forms.BaseInlineFormSet):
    """The known shares of one material may not add up to more than 100 %."""

    def clean(self):
        super().clean()
        total = Decimal(0)
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            share = form.cleaned_data.get("share_pct")
            if share is not None:
                total += share
        problem = total_problem(material_name=str(self.instance), total=total)
        if problem:
            raise forms.ValidationError(sentence(problem))


class MaterialSupplierInline(RoadmapAdminAccess, admin.TabularInline):
    model = MaterialSupplier
    formset = SupplierFormSet
    fields = ("country", "iso3", "share_pct", "year", "reference_period", "source")
    extra = 0


class MaterialDefenceUseInline(RoadmapAdminAccess, admin.TabularInline):
    model = MaterialDefenceUse
    fields = ("use", "source")
    extra = 0


class MaterialMitigationInline(RoadmapAdminAccess, admin.TabularInline):
    model = MaterialMitigation
    fields = ("action", "approach", "note", "is_illustrative")
    autocomplete_fields = ("action",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("action", "material")


@admin.register(CriticalMaterial)
class CriticalMaterialAdmin(RoadmapAdminAccess, admin.ModelAdmin):
    list_display = (
        "name",
        "symbol",
        "nato_defence_critical_2024",
        "eu_strategic_2023",
        "eu_critical_2023",
        "supply_risk_band",
    )
    list_filter = (
        "nato_defence_critical_2024",
        "eu_strategic_2023",
        "eu_critical_2023",
        "eu_foresight_2020_high_risk",
        "supply_risk_band",
    )
    search_fields = ("name", "symbol", "slug")
    fieldsets = (
        (None, {"fields": ("slug", "name", "symbol")}),
        (
            _("Lists"),
            {
                "fields": (
                    "nato_defence_critical_2024",
                    "eu_critical_2023",
                    "eu_strategic_2023",
                    "eu_foresight_2020_high_risk",
                )
            },
        ),
        (
            _("Assessed supply risk (from a study; leave empty when none is known)"),
            {
                "fields": (
                    "supply_risk_score",
                    "supply_risk_band",
                    "supply_risk_year",
                    "supply_risk_source",
                )
            },
        ),
        (None, {"fields": ("notes", "sources")}),
    )
    inlines = (MaterialSupplierInline, MaterialDefenceUseInline, MaterialMitigationInline)


@admin.register(MaterialMitigation)
class MaterialMitigationAdmin(RoadmapAdminAccess, admin.ModelAdmin):
    list_display = ("material", "action", "approach", "is_illustrative")
    list_filter = ("approach", "is_illustrative")
    search_fields = ("material__name", "action__code", "action__title")
    list_select_related = ("material", "action")
    autocomplete_fields = ("material", "action")
