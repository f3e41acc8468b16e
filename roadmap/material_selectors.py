"""Reads of the critical raw materials register: the register, one material, the gap view and
the supplier table. Each costs a fixed number of queries, however many materials there are."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from accounts import policy
from accounts.choices import OrganisationKind
from accounts.models import Organisation
from roadmap.choices import Status
from roadmap.materials import Concentration, ConcentrationClass, hhi_thresholds
from roadmap.models import ActionItem, CriticalMaterial, MaterialMitigation, MaterialSupplier
from tracker.rollups import Figure, rollup_roadmap

# A mitigating action in one of these rolled-up states does not count as mitigating.
NOT_MITIGATING = (Status.OFF_TRACK, Status.BLOCKED, Status.CANCELLED)
MAJORITY = Decimal(50)


def _per_material(expression, output_field):
    """One aggregate over a material's suppliers, as a subquery: joins would multiply rows."""
    return Subquery(
        MaterialSupplier.objects.filter(material=OuterRef("pk"))
        .order_by()
        .values("material")
        .annotate(value=expression)
        .values("value"),
        output_field=output_field,
    )


def with_concentration(materials: QuerySet) -> QuerySet:
    """Annotates top_share, hhi, coverage and known_suppliers (NULL, NULL, NULL, 0 when no
    share is known: "no data", never 0)."""
    share = DecimalField(max_digits=7, decimal_places=2)
    square = ExpressionWrapper(
        F("share_pct") * F("share_pct"), output_field=DecimalField(max_digits=12, decimal_places=4)
    )
    return materials.annotate(
        top_share=_per_material(Max("share_pct"), share),
        hhi=_per_material(Sum(square), DecimalField(max_digits=12, decimal_places=4)),
        coverage=_per_material(Sum("share_pct"), share),
        known_suppliers=Coalesce(
            _per_material(Count("pk"), IntegerField()), Value(0), output_field=IntegerField()
        ),
    )


def concentration_class_q(value: str) -> Q:
    """The materials of one concentration class, for filters (needs with_concentration)."""
    moderate, high = hhi_thresholds()
    return {
        ConcentrationClass.HIGH: Q(hhi__gte=high),
        ConcentrationClass.MODERATE: Q(hhi__gte=moderate, hhi__lt=high),
        ConcentrationClass.LOW: Q(hhi__lt=moderate),
        ConcentrationClass.NO_DATA: Q(hhi__isnull=True),
    }[value]


def concentration(material: CriticalMaterial) -> Concentration:
    """The figure of a material read through with_concentration."""
    return Concentration.from_values(
        top_share=material.top_share,
        hhi=material.hhi,
        coverage=material.coverage,
        known_suppliers=material.known_suppliers,
    )


def suppliers_with_ally_flag() -> QuerySet[MaterialSupplier]:
    """Suppliers with is_ally: the country's ISO code belongs to an organisation of kind Ally.

    A country with no ISO code is never counted as an Ally.
    """
    allies = Organisation.objects.filter(kind=OrganisationKind.ALLY, iso3=OuterRef("iso3"))
    return MaterialSupplier.objects.annotate(
        is_ally=Exists(allies.exclude(iso3="")),
    ).order_by("-share_pct", "country")


def material_register(*, user) -> QuerySet[CriticalMaterial]:
    """Every material the user may see with its concentration figure, suppliers (is_ally) and
    the number of mitigating links: two queries."""
    return (
        with_concentration(policy.visible_materials(user))
        .annotate(
            mitigation_count=Coalesce(
                Subquery(
                    MaterialMitigation.objects.filter(material=OuterRef("pk"))
                    .order_by()
                    .values("material")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            )
        )
        .prefetch_related(Prefetch("suppliers", queryset=suppliers_with_ally_flag()))
        .order_by("name")
    )


def _mitigations() -> QuerySet[MaterialMitigation]:
    return MaterialMitigation.objects.select_related("action__outcome__line").order_by(
        "action__code", "approach"
    )


def material_detail(*, user, slug: str) -> CriticalMaterial:
    """One material with everything its page shows, or Http404 when the user may not see it."""
    materials = with_concentration(policy.visible_materials(user)).prefetch_related(
        Prefetch("suppliers", queryset=suppliers_with_ally_flag()),
        "defence_uses",
        Prefetch("mitigations", queryset=_mitigations()),
    )
    return get_object_or_404(materials, slug=slug)


def action_figures(*, user) -> dict[int, Figure]:
    """Rolled-up figure of every action, by id, in a fixed number of queries."""
    return rollup_roadmap(user=user).actions


@dataclass
class MitigationRow:
    mitigation: MaterialMitigation
    figure: Figure

    @property
    def status(self) -> str | None:
        return self.figure.status

    @property
    def mitigates(self) -> bool:
        """Off track, blocked or cancelled actions are not counted as mitigating."""
        return self.figure.status not in NOT_MITIGATING


def mitigation_rows(*, user, mitigations, figures: dict[int, Figure]) -> list[MitigationRow]:
    return [
        MitigationRow(mitigation=m, figure=figures.get(m.action_id) or Figure("assignment"))
        for m in mitigations
    ]


# The gap view


class GapReason:
    NO_ACTION = "no_action"
    ONLY_STALLED = "only_stalled"


@dataclass
class GapEntry:
    material: CriticalMaterial
    concentration: Concentration
    in_scope_because: list[str]
    reason: str
    mitigations: list[MitigationRow] = field(default_factory=list)

    @property
    def reason_text(self) -> str:
        if self.reason == GapReason.NO_ACTION:
            return _("No action mitigates it.")
        return _("Every mitigating action is off track, blocked or cancelled.")


def default_gap_threshold() -> int:
    """The HHI from which a material belongs in the gap view even off the NATO list."""
    from django.conf import settings

    return getattr(settings, "MATERIALS_GAP_HHI_THRESHOLD", hhi_thresholds()[1])


def gap_list(*, user, threshold: int) -> list[GapEntry]:
    """Materials on NATO's list or with an HHI at or above `threshold` that no action mitigates,
    or whose only mitigating actions are off track, blocked or cancelled (rolled-up status).

    Fixed queries: the materials with their figures, their mitigating links, and the roll-up.
    """
    materials = (
        with_concentration(policy.visible_materials(user))
        .filter(Q(nato_defence_critical_2024=True) | Q(hhi__gte=threshold))
        .prefetch_related(Prefetch("mitigations", queryset=_mitigations()))
        .order_by(F("hhi").desc(nulls_last=True), "name")
    )
    figures: dict[int, Figure] | None = None
    entries = []
    for material in materials:
        links = list(material.mitigations.all())
        if links and figures is None:
            figures = action_figures(user=user)
        rows = mitigation_rows(user=user, mitigations=links, figures=figures or {})
        if any(row.mitigates for row in rows):
            continue
        figure = concentration(material)
        because = []
        if material.nato_defence_critical_2024:
            because.append(_("On NATO's defence-critical list (2024)"))
        if figure.hhi is not None and figure.hhi >= threshold:
            because.append(
                _("HHI at or above %(threshold)s") % {"threshold": floatformat(threshold, "g")}
            )
        entries.append(
            GapEntry(
                material=material,
                concentration=figure,
                in_scope_because=because,
                reason=GapReason.ONLY_STALLED if rows else GapReason.NO_ACTION,
                mitigations=rows,
            )
        )
    return entries


# Who supplies what


@dataclass
class CountryRow:
    country: str
    iso3: str
    is_ally: bool
    supplies: list[tuple[CriticalMaterial, MaterialSupplier]] = field(default_factory=list)

    @property
    def majority_of(self) -> list[tuple[CriticalMaterial, MaterialSupplier]]:
        """Materials where this country holds more than half of known world production."""
        return [(m, s) for m, s in self.supplies if s.share_pct > MAJORITY]


def supplier_table(materials) -> list[CountryRow]:
    """Suppliers regrouped by country from materials already read with material_register (no
    query): countries with the most majority holdings first, then by name."""
    rows: dict[str, CountryRow] = {}
    for material in materials:
        for supplier in material.suppliers.all():
            key = supplier.iso3 or supplier.country
            row = rows.get(key)
            if row is None:
                row = rows[key] = CountryRow(supplier.country, supplier.iso3, supplier.is_ally)
            row.supplies.append((material, supplier))
    for row in rows.values():
        row.supplies.sort(key=lambda pair: (-pair[1].share_pct, pair[0].name))
    return sorted(rows.values(), key=lambda r: (-len(r.majority_of), -len(r.supplies), r.country))


def supplier_countries(*, user) -> list[tuple[str, str]]:
    """(filter value, country name) of every supplier country, for the register's filter."""
    rows = (
        MaterialSupplier.objects.filter(material__in=policy.visible_materials(user))
        .order_by("country")
        .values_list("iso3", "country")
        .distinct()
    )
    return [(iso3 or country, country) for iso3, country in rows]


def non_allied_majorities(table: list[CountryRow]) -> list[CountryRow]:
    """Countries outside the Alliance that hold more than half of a material's production."""
    return [row for row in table if not row.is_ally and row.majority_of]


# The action item page


def materials_for_action(*, user, action: ActionItem) -> list[MaterialMitigation]:
    """The materials an action item addresses and how, for the action's page: one query."""
    visible = policy.visible_materials(user)
    return list(
        MaterialMitigation.objects.filter(action=action, material__in=visible)
        .select_related("material")
        .order_by("material__name", "approach")
    )
