"""Pages of the critical raw materials register: the register, one material, the gap view."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from accounts import policy
from roadmap import material_selectors as selectors
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


@login_required
def register(request):
    _require_reader(request.user)
    filters = CriticalMaterialFilterSet(
        request.GET, queryset=selectors.material_register(user=request.user)
    )
    materials = list(filters.qs) if filters.is_valid() else []
    rows = [RegisterRow(m, selectors.concentration(m)) for m in materials]
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
