"""Pages of the critical raw materials register: the register, one material, the gap view."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from accounts import policy
from roadmap import material_selectors as selectors
from roadmap import tabular
from roadmap.material_filtersets import SORTABLE, CriticalMaterialFilterSet
from roadmap.materials import ConcentrationClass, hhi_thresholds
from roadmap.models import SupplyRiskBand

HHI_MAX = 10_000


def _require_reader(user) -> None:
    if not policy.can_view_roadmap(user):
        raise PermissionDenied


def _chart(rows) -> dict:
    """Bars of the HHI, highest first; materials with no share are named apart, never a 0 bar.

    Each bar is drawn on a 0-10,000 scale in its own SVG, so the labels stay HTML text that
    reads at any screen width.
    """
    bars = sorted(
        (row for row in rows if row.concentration.has_data),
        key=lambda row: (-row.concentration.hhi, row.material.name),
    )
    return {
        "bars": bars,
        "thresholds": hhi_thresholds(),
        "scale": HHI_MAX,
        "no_data": [row.material for row in rows if not row.concentration.has_data],
    }


@dataclass
class RegisterRow:
    material: object
    concentration: object

    @property
    def top_supplier(self):
        suppliers = self.material.suppliers.all()
        return suppliers[0] if suppliers else None


def _sort_links(request, current: str) -> dict[str, dict]:
    """For each sortable column: the address that sorts by it (toggling on the current one)."""
    links = {}
    for column in SORTABLE:
        descending_first = column != "name"
        if current == column:
            target, state = f"-{column}", "ascending"
        elif current == f"-{column}":
            target, state = column, "descending"
        else:
            target, state = (f"-{column}" if descending_first else column), "none"
        query = request.GET.copy()
        query["ordering"] = target
        links[column] = {"url": f"?{query.urlencode()}", "state": state}
    return links


def _filtered_register(request) -> tuple[CriticalMaterialFilterSet, list[RegisterRow]]:
    filters = CriticalMaterialFilterSet(
        request.GET, queryset=selectors.material_register(user=request.user)
    )
    materials = list(filters.qs) if filters.is_valid() else []
    return filters, [RegisterRow(m, selectors.concentration(m)) for m in materials]


@login_required
def register(request):
    _require_reader(request.user)
    filters, rows = _filtered_register(request)
    materials = [row.material for row in rows]
    table = selectors.supplier_table(materials)
    moderate, high = hhi_thresholds()
    return render(
        request,
        "materials/register.html",
        {
            "filters": filters,
            "rows": rows,
            "chart": _chart(rows),
            "supplier_table": table,
            "non_allied_majorities": selectors.non_allied_majorities(table),
            "sort_links": _sort_links(request, request.GET.get("ordering", "name")),
            "countries": selectors.supplier_countries(user=request.user),
            "concentration_classes": ConcentrationClass.choices,
            "bands": SupplyRiskBand.choices,
            "hhi_moderate": floatformat(moderate, "g"),
            "hhi_high": floatformat(high, "g"),
            "filtered": any(value for key, value in request.GET.items() if key != "ordering"),
        },
    )


EXPORT_COLUMNS = [
    "slug",
    "name",
    "symbol",
    "nato_defence_critical_2024",
    "eu_critical_2023",
    "eu_strategic_2023",
    "top_share_pct",
    "hhi",
    "known_share_pct",
    "concentration_class",
    "suppliers",
    "assessed_supply_risk_score",
    "assessed_supply_risk_band",
    "assessed_supply_risk_source",
    "mitigating_links",
    "sources",
]


def _export_row(row: RegisterRow) -> list:
    material, figure = row.material, row.concentration
    return [
        material.slug,
        material.name,
        material.symbol,
        "yes" if material.nato_defence_critical_2024 else "no",
        "yes" if material.eu_critical_2023 else "no",
        "yes" if material.eu_strategic_2023 else "no",
        figure.top_share,
        figure.hhi,
        figure.coverage,
        figure.class_label,
        "; ".join(
            f"{supplier.country} {supplier.share_pct}% ({supplier.year})"
            for supplier in material.suppliers.all()
        ),
        material.supply_risk_score,
        material.get_supply_risk_band_display(),
        material.supply_risk_source,
        material.mitigation_count,
        " | ".join(material.source_list()),
    ]


@login_required
def register_export(request, kind: str):
    """The register under the page's filters; the concentration figures are the product's own
    indicator, and the file says so."""
    _require_reader(request.user)
    filters, rows = _filtered_register(request)
    if not filters.is_valid():
        return tabular.bad_filters(filters.form)
    indicator = _(
        "top_share_pct, hhi and known_share_pct are this product's own indicator, computed "
        "from the known supplier shares; they are not an official score."
    )
    table = tabular.Table(
        sheet=_("Critical raw materials"),
        columns=EXPORT_COLUMNS,
        rows=(_export_row(row) for row in rows),
        preamble=tabular.preamble(
            user=request.user,
            about=[tabular.describe_filters(filters.form, _("Materials register")), indicator],
        ),
    )
    return tabular.download(table, kind=kind, filename="critical-raw-materials")


def _share_parts(suppliers) -> list[dict]:
    """Consecutive segments of a 0-100 bar, one per known supplier."""
    parts, x = [], 0.0
    for supplier in suppliers:
        width = float(supplier.share_pct)
        parts.append({"x": round(x, 2), "width": width, "supplier": supplier})
        x += width
    return parts


@login_required
def material_detail(request, slug: str):
    _require_reader(request.user)
    material = selectors.material_detail(user=request.user, slug=slug)
    mitigations = list(material.mitigations.all())
    figures = selectors.action_figures(user=request.user) if mitigations else {}
    return render(
        request,
        "materials/detail.html",
        {
            "material": material,
            "concentration": selectors.concentration(material),
            "share_parts": _share_parts(material.suppliers.all()),
            "mitigations": selectors.mitigation_rows(
                user=request.user, mitigations=mitigations, figures=figures
            ),
            "can_edit": policy.can_edit_roadmap(request.user),
            "reads_industry_release": policy.reads_industry_view_only(request.user),
        },
    )


def _threshold(request) -> tuple[int, str | None]:
    default = selectors.default_gap_threshold()
    given = request.GET.get("threshold", "").strip()
    if not given:
        return default, None
    if given.isdigit() and 0 <= int(given) <= HHI_MAX:
        return int(given), None
    return default, _(
        "The threshold must be a whole number from 0 to 10,000; showing %(default)s instead."
    ) % {"default": default}


@login_required
def gap(request):
    _require_reader(request.user)
    threshold, problem = _threshold(request)
    entries = selectors.gap_list(user=request.user, threshold=threshold)
    return render(
        request,
        "materials/gap.html",
        {
            "entries": entries,
            "no_action_count": sum(e.reason == selectors.GapReason.NO_ACTION for e in entries),
            "stalled_count": sum(e.reason == selectors.GapReason.ONLY_STALLED for e in entries),
            "threshold": threshold,
            "threshold_label": floatformat(threshold, "g"),
            "threshold_problem": problem,
            "reads_industry_release": policy.reads_industry_view_only(request.user),
        },
    )
