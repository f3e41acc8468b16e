"""Filters of the critical raw materials register, shared by the register page and the API.

They run on material_selectors.material_register, which annotates the concentration figure.
"""

import django_filters
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from roadmap.material_selectors import concentration_class_q
from roadmap.materials import ConcentrationClass
from roadmap.models import CriticalMaterial, MaterialMitigation, MaterialSupplier, SupplyRiskBand

# Sortable columns; a figure sorts "no data" last in both directions, then by name.
SORTABLE = ("name", "top_share", "hhi", "coverage")
ORDERING_CHOICES = [
    ("name", _("Name")),
    ("-name", _("Name (Z to A)")),
    ("-hhi", _("Concentration (HHI), highest first")),
    ("hhi", _("Concentration (HHI), lowest first")),
    ("-top_share", _("Top supplier share, highest first")),
    ("top_share", _("Top supplier share, lowest first")),
    ("-coverage", _("Coverage, highest first")),
    ("coverage", _("Coverage, lowest first")),
]


def order_expressions(value: str) -> list:
    column = F(value.removeprefix("-"))
    first = column.desc(nulls_last=True) if value.startswith("-") else column.asc(nulls_last=True)
    return [first] if column.name == "name" else [first, F("name").asc()]


class CriticalMaterialFilterSet(django_filters.FilterSet):
    nato = django_filters.BooleanFilter(
        field_name="nato_defence_critical_2024", label=_("On NATO's defence-critical list (2024)")
    )
    eu_strategic = django_filters.BooleanFilter(
        field_name="eu_strategic_2023", label=_("EU strategic raw material")
    )
    eu_critical = django_filters.BooleanFilter(
        field_name="eu_critical_2023", label=_("EU critical raw material")
    )
    country = django_filters.CharFilter(
        method="filter_country", label=_("Supplier country (ISO 3166 alpha-3 or name)")
    )
    band = django_filters.ChoiceFilter(
        field_name="supply_risk_band",
        choices=SupplyRiskBand.choices,
        label=_("Assessed supply-risk band"),
    )
    concentration = django_filters.ChoiceFilter(
        method="filter_concentration",
        choices=ConcentrationClass.choices,
        label=_("Concentration class (the product's own indicator)"),
    )
    q = django_filters.CharFilter(method="filter_text", label=_("Name or symbol contains"))
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering", choices=ORDERING_CHOICES, label=_("Sort by")
    )

    class Meta:
        model = CriticalMaterial
        fields = ["nato", "eu_strategic", "eu_critical", "country", "band", "concentration", "q"]

    def filter_country(self, queryset, name, value):
        value = value.strip()
        suppliers = MaterialSupplier.objects.filter(
            Q(iso3=value.upper()) | Q(country__iexact=value)
        )
        return queryset.filter(pk__in=suppliers.values("material_id"))

    def filter_concentration(self, queryset, name, value):
        return queryset.filter(concentration_class_q(value))

    def filter_text(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(symbol__iexact=value.strip()))

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*order_expressions(value))


class MaterialSupplierFilterSet(django_filters.FilterSet):
    material = django_filters.CharFilter(field_name="material__slug", label=_("Material (key)"))
    iso3 = django_filters.CharFilter(field_name="iso3", label=_("Country (ISO 3166 alpha-3)"))

    class Meta:
        model = MaterialSupplier
        fields = ["material", "iso3"]


class MaterialMitigationFilterSet(django_filters.FilterSet):
    material = django_filters.CharFilter(field_name="material__slug", label=_("Material (key)"))
    action = django_filters.CharFilter(field_name="action__code", label=_("Action item (code)"))

    class Meta:
        model = MaterialMitigation
        fields = ["material", "action", "approach", "is_illustrative"]
