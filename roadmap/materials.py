"""Critical raw materials: the writes that carry rules, the data-file loader, and the
concentration figure the product computes from supplier shares.

The concentration figure is the product's own indicator, never an official score: the top
supplier's share, the Herfindahl-Hirschman index (HHI) over the known shares (the sum of the
squared percentage shares, 0 to 10,000) and the coverage (how much of world production the known
shares add up to). A material with no known share has no figure ("no data"), never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import policy
from roadmap.loading import ISO3, RoadmapLoadError, read_document
from roadmap.models import (
    MATERIAL_SLUG,
    ActionItem,
    CriticalMaterial,
    MaterialDefenceUse,
    MaterialMitigation,
    MaterialSupplier,
    MitigationApproach,
)

__all__ = [
    "Concentration",
    "ConcentrationClass",
    "MaterialsLoadReport",
    "RoadmapLoadError",
    "add_supplier",
    "concentration_of",
    "create_material",
    "link_mitigation",
    "load_materials_data",
    "load_materials_file",
    "remove_supplier",
    "unlink_mitigation",
    "update_material",
    "update_mitigation",
    "update_supplier",
]

HUNDRED = Decimal(100)


# The concentration figure


class ConcentrationClass:
    """The product's own classes of the HHI; thresholds come from settings."""

    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"
    NO_DATA = "no_data"

    LABELS = {
        HIGH: gettext_lazy("High concentration"),
        MODERATE: gettext_lazy("Moderate concentration"),
        LOW: gettext_lazy("Low concentration"),
        NO_DATA: gettext_lazy("No data"),
    }
    choices = list(LABELS.items())


def hhi_thresholds() -> tuple[int, int]:
    """(moderate from, high from): the product's own cut-offs, not an official scale."""
    return (
        getattr(settings, "MATERIALS_HHI_MODERATE", 1500),
        getattr(settings, "MATERIALS_HHI_HIGH", 2500),
    )


def _rounded(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Concentration:
    """The product's concentration figure for one material; all None when no share is known."""

    top_share: Decimal | None
    hhi: Decimal | None
    coverage: Decimal | None
    known_suppliers: int

    @classmethod
    def from_values(cls, *, top_share, hhi, coverage, known_suppliers) -> Concentration:
        """From the database's aggregates (see material_selectors.with_concentration)."""
        if not known_suppliers:
            return cls(None, None, None, 0)
        return cls(_rounded(top_share), _rounded(hhi), _rounded(coverage), known_suppliers)

    @property
    def has_data(self) -> bool:
        return self.known_suppliers > 0

    @property
    def uncovered(self) -> Decimal | None:
        """Share of world production no known supplier accounts for."""
        return None if self.coverage is None else max(HUNDRED - self.coverage, Decimal(0))

    @property
    def concentration_class(self) -> str:
        if self.hhi is None:
            return ConcentrationClass.NO_DATA
        moderate, high = hhi_thresholds()
        if self.hhi >= high:
            return ConcentrationClass.HIGH
        if self.hhi >= moderate:
            return ConcentrationClass.MODERATE
        return ConcentrationClass.LOW

    @property
    def class_label(self) -> str:
        return str(ConcentrationClass.LABELS[self.concentration_class])

    def explain(self) -> str:
        if not self.has_data:
            return _("No supplier shares are known for this material: no figure (not 0).")
        text = _(
            "The product's own indicator, not an official score. HHI = sum of the squared "
            "percentage shares of the %(n)d known suppliers (0 to 10,000), covering "
            "%(coverage)s %% of world production."
        ) % {"n": self.known_suppliers, "coverage": floatformat(self.coverage, "-2")}
        if self.uncovered:
            text += " " + _(
                "%(rest)s %% is not attributed to any country, so the HHI is a lower bound."
            ) % {"rest": floatformat(self.uncovered, "-2")}
        return text

    def as_dict(self) -> dict:
        return {
            "top_share": self.top_share,
            "hhi": self.hhi,
            "coverage": self.coverage,
            "known_suppliers": self.known_suppliers,
            "concentration_class": self.concentration_class,
            "explanation": self.explain(),
        }


def concentration_of(shares: Iterable) -> Concentration:
    """The figure from a list of percentage shares, computed in Python (the pages read the same
    figure from the database; both are tested against hand-computed values)."""
    known = [Decimal(str(share)) for share in shares]
    if not known:
        return Concentration(None, None, None, 0)
    return Concentration.from_values(
        top_share=max(known),
        hhi=sum(share * share for share in known),
        coverage=sum(known),
        known_suppliers=len(known),
    )


# Rules shared by the services, the admin and the loader


def share_problem(value) -> str | None:
    """Why a share cannot be stored, or None."""
    try:
        share = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return _("must be a number, got %(value)r") % {"value": value}
    if isinstance(value, bool) or not share.is_finite():
        return _("must be a number, got %(value)r") % {"value": value}
    if share <= 0 or share > HUNDRED:
        return _("must be more than 0 and at most 100 %%, got %(value)s") % {
            "value": floatformat(share, "-2")
        }
    if share != share.quantize(Decimal("0.01")):
        return _("takes at most two decimal places, got %(value)s") % {"value": value}
    return None


def total_problem(*, material_name: str, total: Decimal) -> str | None:
    if total > HUNDRED:
        return _(
            "the known shares of %(material)s would add up to %(total)s %%, more than 100 %%"
        ) % {"material": material_name, "total": floatformat(total, "-2")}
    return None


def approach_problem(value) -> str | None:
    if value not in MitigationApproach.values:
        return _("unknown approach %(value)r (allowed: %(allowed)s)") % {
            "value": value,
            "allowed": ", ".join(MitigationApproach.values),
        }
    return None


# Services: every write by a person goes through these


def _require_editor(user) -> None:
    if not policy.can_edit_roadmap(user):
        raise PermissionDenied(_("Only the secretariat may change the materials register."))


def sentence(problem: str) -> str:
    """A checker's phrase ("the known shares ...") as a message on its own."""
    return problem[0].upper() + problem[1:] + "."


def _save(instance) -> None:
    """Validates the instance like a form would (fields, uniqueness, constraints), then saves
    it; refusals become ValidationError with the field that is wrong."""
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationError(
            _("The database refused the change: %(error)s") % {"error": exc}
        ) from exc


MATERIAL_FIELDS = (
    "slug",
    "name",
    "symbol",
    "nato_defence_critical_2024",
    "eu_critical_2023",
    "eu_strategic_2023",
    "eu_foresight_2020_high_risk",
    "notes",
    "sources",
    "supply_risk_score",
    "supply_risk_band",
    "supply_risk_source",
    "supply_risk_year",
)


def _check_assessed_risk(material: CriticalMaterial) -> None:
    """An assessed score or band is shown beside the computed figure, so it needs its source."""
    if material.supply_risk_score is None and not material.supply_risk_band:
        return
    errors = {}
    if not material.supply_risk_source.strip():
        errors["supply_risk_source"] = _("An assessed supply risk needs its source.")
    if material.supply_risk_year is None:
        errors["supply_risk_year"] = _("An assessed supply risk needs the year of the study.")
    if errors:
        raise ValidationError(errors)


def create_material(*, user, values: dict) -> CriticalMaterial:
    """Adds a material to the register; raises PermissionDenied or ValidationError."""
    _require_editor(user)
    unknown = set(values) - set(MATERIAL_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    with transaction.atomic(), set_actor(user):
        material = CriticalMaterial(**values)
        _check_assessed_risk(material)
        _save(material)
        return material


def update_material(*, user, material: CriticalMaterial, changes: dict) -> CriticalMaterial:
    """Corrects a material's fields; the whole change is refused when one value is wrong."""
    _require_editor(user)
    unknown = set(changes) - set(MATERIAL_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    with transaction.atomic(), set_actor(user):
        locked = CriticalMaterial.objects.select_for_update().get(pk=material.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        _check_assessed_risk(locked)
        _save(locked)
        return locked


def _check_supplier(supplier: MaterialSupplier) -> None:
    """Share in range, and all known shares of the material at most 100 % together."""
    problem = share_problem(supplier.share_pct)
    if problem:
        raise ValidationError({"share_pct": _("Share %(problem)s.") % {"problem": problem}})
    others = MaterialSupplier.objects.filter(material_id=supplier.material_id).exclude(
        pk=supplier.pk
    )
    total = sum((s for s in others.values_list("share_pct", flat=True)), Decimal(0))
    problem = total_problem(
        material_name=supplier.material.name, total=total + Decimal(str(supplier.share_pct))
    )
    if problem:
        raise ValidationError({"share_pct": sentence(problem)})


def _lock_material(material: CriticalMaterial) -> CriticalMaterial:
    """Supplier writes lock their material, so two of them cannot both pass the 100 % check."""
    return CriticalMaterial.objects.select_for_update().get(pk=material.pk)


SUPPLIER_FIELDS = ("country", "iso3", "share_pct", "source", "year", "reference_period")


def add_supplier(*, user, material: CriticalMaterial, values: dict) -> MaterialSupplier:
    _require_editor(user)
    with transaction.atomic(), set_actor(user):
        locked = _lock_material(material)
        supplier = MaterialSupplier(
            material=locked, **{k: v for k, v in values.items() if k in SUPPLIER_FIELDS}
        )
        _check_supplier(supplier)
        _save(supplier)
        return supplier


def update_supplier(*, user, supplier: MaterialSupplier, changes: dict) -> MaterialSupplier:
    _require_editor(user)
    with transaction.atomic(), set_actor(user):
        _lock_material(supplier.material)
        locked = MaterialSupplier.objects.select_related("material").get(pk=supplier.pk)
        for name, value in changes.items():
            if name in SUPPLIER_FIELDS:
                setattr(locked, name, value)
        _check_supplier(locked)
        _save(locked)
        return locked


def remove_supplier(*, user, supplier: MaterialSupplier) -> None:
    _require_editor(user)
    with transaction.atomic(), set_actor(user):
        _lock_material(supplier.material)
        supplier.delete()


def _check_mitigation(mitigation: MaterialMitigation) -> None:
    problem = approach_problem(mitigation.approach)
    if problem:
        raise ValidationError({"approach": sentence(problem)})


def link_mitigation(
    *,
    user,
    material: CriticalMaterial,
    action: ActionItem,
    approach: str,
    note: str = "",
    is_illustrative: bool = False,
) -> MaterialMitigation:
    """Records that an action item mitigates a material by one approach."""
    _require_editor(user)
    with transaction.atomic(), set_actor(user):
        mitigation = MaterialMitigation(
            material=material,
            action=action,
            approach=approach,
            note=note,
            is_illustrative=is_illustrative,
        )
        _check_mitigation(mitigation)
        _save(mitigation)
        return mitigation


MITIGATION_FIELDS = ("material", "action", "approach", "note", "is_illustrative")


def update_mitigation(*, user, mitigation: MaterialMitigation, changes: dict) -> MaterialMitigation:
    _require_editor(user)
    with transaction.atomic(), set_actor(user):
        locked = MaterialMitigation.objects.select_for_update().get(pk=mitigation.pk)
        for name, value in changes.items():
            if name in MITIGATION_FIELDS:
                setattr(locked, name, value)
        _check_mitigation(locked)
        _save(locked)
        return locked


def unlink_mitigation(*, user, mitigation: MaterialMitigation) -> None:
    _require_editor(user)
    with transaction.atomic(), set_actor(user):
        mitigation.delete()


# The data file: materials.yaml (sourced) and demo_materials.yaml (illustrative links)

SECTIONS = ("citations", "materials", "mitigations")
MATERIAL_KEYS = {
    "slug",
    "name",
    "symbol",
    "nato_defence_critical_2024",
    "eu_critical_2023",
    "eu_strategic_2023",
    "eu_foresight_2020_high_risk",
    "notes",
    "sources",
    "suppliers",
    "defence_uses",
}
SUPPLIER_KEYS = {"country", "iso3", "share_pct", "source", "year", "reference_period"}
USE_KEYS = {"use", "sources"}
SOURCE_KEYS = {"topic", "citation"}
MITIGATION_KEYS = {"material", "action", "approach", "note", "illustrative"}
FLAGS = ("nato_defence_critical_2024", "eu_critical_2023", "eu_strategic_2023")


@dataclass
class MaterialsLoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    suppliers: int = 0
    defence_uses: int = 0
    mitigations_created: int = 0
    mitigations_unchanged: int = 0

    def __str__(self):
        return _(
            "materials: %(created)d created, %(updated)d updated, %(unchanged)d unchanged; "
            "%(suppliers)d supplier shares and %(uses)d defence uses in the file; "
            "mitigating actions: %(m_created)d linked, %(m_unchanged)d already linked"
        ) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "suppliers": self.suppliers,
            "uses": self.defence_uses,
            "m_created": self.mitigations_created,
            "m_unchanged": self.mitigations_unchanged,
        }


@dataclass
class _Checked:
    materials: list[dict] = field(default_factory=list)
    mitigations: list[dict] = field(default_factory=list)


class _Checker:
    """Checks a whole document and collects every problem, each naming its record and field."""

    def __init__(self):
        self.errors: list[str] = []
        self.citations: dict[str, str] = {}

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def text(self, where, item, key, *, required=False, max_length=None) -> str:
        value = item.get(key)
        if value is None:
            if required:
                self.error(f"{where}: {key}", _("is required"))
            return ""
        if not isinstance(value, str):
            self.error(f"{where}: {key}", _("must be text, got %(value)r") % {"value": value})
            return ""
        value = " ".join(value.split())
        if required and not value:
            self.error(f"{where}: {key}", _("must not be blank"))
        if max_length and len(value) > max_length:
            self.error(
                f"{where}: {key}",
                _("must be at most %(max)d characters, got %(n)d")
                % {"max": max_length, "n": len(value)},
            )
        return value

    def flag(self, where, item, key, *, nullable=False):
        value = item.get(key, None if nullable else False)
        if value is None and nullable:
            return None
        if not isinstance(value, bool):
            self.error(
                f"{where}: {key}", _("must be true or false, got %(value)r") % {"value": value}
            )
            return False
        return value

    def keys(self, where, item, allowed) -> bool:
        if not isinstance(item, dict):
            self.error(where, _("must be a mapping of fields, got %(value)r") % {"value": item})
            return False
        for key in item:
            if key not in allowed:
                self.error(
                    f"{where}: {key}",
                    _("unknown field (allowed: %(allowed)s)")
                    % {"allowed": ", ".join(sorted(allowed))},
                )
        return True

    def citation(self, where, key) -> str:
        """A citation key from the `citations` section, or a citation written out in full."""
        if not isinstance(key, str) or not key.strip():
            self.error(where, _("must name a source, got %(value)r") % {"value": key})
            return ""
        return self.citations.get(key.strip(), " ".join(key.split()))

    def items(self, where, value) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(where, _("must be a list, got %(value)r") % {"value": value})
            return []
        return value


def _check_material(checker: _Checker, where: str, item: dict) -> dict | None:
    if not isinstance(item, dict):
        checker.keys(where, item, MATERIAL_KEYS)  # reports that it is not a mapping
        return None
    slug = checker.text(where, item, "slug", required=True, max_length=60)
    if slug and not MATERIAL_SLUG.regex.fullmatch(slug):
        checker.error(
            f"{where}: slug", _("must look like natural-graphite, got %(value)r") % {"value": slug}
        )
    where = f"{where} ({slug})" if slug else where
    checker.keys(where, item, MATERIAL_KEYS)
    values = {
        "slug": slug,
        "name": checker.text(where, item, "name", required=True, max_length=120),
        "symbol": checker.text(where, item, "symbol", max_length=20),
        "notes": checker.text(where, item, "notes"),
        "eu_foresight_2020_high_risk": checker.flag(
            where, item, "eu_foresight_2020_high_risk", nullable=True
        ),
        **{name: checker.flag(where, item, name) for name in FLAGS},
    }
    sources = []
    for index, source in enumerate(checker.items(f"{where}: sources", item.get("sources"))):
        at = f"{where}: sources[{index}]"
        if checker.keys(at, source, SOURCE_KEYS):
            topic = checker.text(at, source, "topic", required=True)
            citation = checker.citation(f"{at}: citation", source.get("citation"))
            sources.append(f"{topic}: {citation}")
    values["sources"] = "\n".join(sources)

    suppliers, total, countries = [], Decimal(0), set()
    for index, supplier in enumerate(checker.items(f"{where}: suppliers", item.get("suppliers"))):
        at = f"{where}: suppliers[{index}]"
        if not checker.keys(at, supplier, SUPPLIER_KEYS):
            continue
        country = checker.text(at, supplier, "country", required=True, max_length=100)
        if country in countries:
            checker.error(f"{at}: country", _("%(country)r appears twice") % {"country": country})
        countries.add(country)
        iso3 = checker.text(at, supplier, "iso3", max_length=3)
        if iso3 and not ISO3.fullmatch(iso3):
            checker.error(f"{at}: iso3", _("must look like FRA, got %(value)r") % {"value": iso3})
        problem = share_problem(supplier.get("share_pct"))
        if problem:
            checker.error(f"{at}: share_pct", problem)
        else:
            total += Decimal(str(supplier["share_pct"]))
        year = supplier.get("year")
        if year is not None and (
            isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100
        ):
            checker.error(
                f"{at}: year", _("must be a year or left out, got %(value)r") % {"value": year}
            )
        suppliers.append(
            {
                "country": country,
                "iso3": iso3,
                "share_pct": None if problem else Decimal(str(supplier["share_pct"])),
                "source": checker.citation(f"{at}: source", supplier.get("source")),
                "year": year,
                "reference_period": checker.text(at, supplier, "reference_period", max_length=100),
            }
        )
    problem = total_problem(material_name=values["name"] or slug, total=total)
    if problem:
        checker.error(f"{where}: suppliers", problem)

    uses = []
    for index, use in enumerate(checker.items(f"{where}: defence_uses", item.get("defence_uses"))):
        at = f"{where}: defence_uses[{index}]"
        if not checker.keys(at, use, USE_KEYS):
            continue
        cited = checker.items(f"{at}: sources", use.get("sources"))
        if not cited:
            checker.error(f"{at}: sources", _("a defence use is kept only with its source"))
        uses.append(
            {
                "use": checker.text(at, use, "use", required=True, max_length=300),
                "source": " ; ".join(
                    checker.citation(f"{at}: sources[{i}]", key) for i, key in enumerate(cited)
                ),
            }
        )
    return {"values": values, "suppliers": suppliers, "defence_uses": uses, "where": where}


def _check_document(data) -> _Checked:
    checker = _Checker()
    if not isinstance(data, dict):
        raise RoadmapLoadError(
            [
                _("top level: must be a mapping with %(sections)s")
                % {"sections": ", ".join(SECTIONS)}
            ]
        )
    for name in data:
        if name not in SECTIONS:
            checker.error(
                "top level",
                _("unknown section %(name)r (allowed: %(allowed)s)")
                % {"name": name, "allowed": ", ".join(SECTIONS)},
            )
    citations = data.get("citations") or {}
    if not isinstance(citations, dict):
        checker.error("citations", _("must be a mapping of key: citation"))
        citations = {}
    for key, text in citations.items():
        if not isinstance(text, str) or not text.strip():
            checker.error(f"citations: {key}", _("must be the citation text"))
        else:
            checker.citations[str(key)] = " ".join(text.split())

    checked = _Checked()
    seen: dict[str, str] = {}
    for index, item in enumerate(checker.items("materials", data.get("materials"))):
        material = _check_material(checker, f"materials[{index}]", item)
        if material is None:
            continue
        slug = material["values"]["slug"]
        if slug in seen:
            checker.error(
                f"{material['where']}: slug",
                _("%(slug)r appears again; first at %(first)s")
                % {"slug": slug, "first": seen[slug]},
            )
        seen.setdefault(slug, material["where"])
        checked.materials.append(material)

    links = checker.items("mitigations", data.get("mitigations"))
    slugs_needed = {m.get("material") for m in links if isinstance(m, dict)}
    known_slugs = set(seen) | set(
        CriticalMaterial.objects.filter(
            slug__in=[s for s in slugs_needed if isinstance(s, str)]
        ).values_list("slug", flat=True)
    )
    actions = ActionItem.objects.in_bulk(
        [
            m.get("action")
            for m in links
            if isinstance(m, dict) and isinstance(m.get("action"), str)
        ],
        field_name="code",
    )
    keys = set()
    for index, link in enumerate(links):
        at = f"mitigations[{index}]"
        if not checker.keys(at, link, MITIGATION_KEYS):
            continue
        slug = checker.text(at, link, "material", required=True)
        code = checker.text(at, link, "action", required=True)
        approach = link.get("approach")
        if slug and slug not in known_slugs:
            checker.error(f"{at}: material", _("unknown material %(slug)r") % {"slug": slug})
        if code and code not in actions:
            checker.error(f"{at}: action", _("unknown action item %(code)r") % {"code": code})
        problem = approach_problem(approach)
        if problem:
            checker.error(f"{at}: approach", problem)
        if (slug, code, approach) in keys:
            checker.error(at, _("the same material, action and approach appear twice"))
        keys.add((slug, code, approach))
        checked.mitigations.append(
            {
                "material": slug,
                "action": actions.get(code),
                "approach": approach,
                "note": checker.text(at, link, "note"),
                "is_illustrative": checker.flag(at, link, "illustrative"),
            }
        )
    if checker.errors:
        raise RoadmapLoadError(checker.errors)
    return checked


def load_materials_file(*, path: Path) -> MaterialsLoadReport:
    return load_materials_data(data=read_document(path))


def load_materials_data(*, data) -> MaterialsLoadReport:
    """Creates or updates every material of the document by its key, or writes nothing.

    The file is the record for the materials it lists: their supplier shares and defence uses
    become exactly the file's. Mitigating links are added when missing and never removed.
    Loading the same file twice writes nothing the second time.
    """
    with transaction.atomic():
        checked = _check_document(data)
        report = MaterialsLoadReport()
        stored = CriticalMaterial.objects.in_bulk(
            [m["values"]["slug"] for m in checked.materials], field_name="slug"
        )
        for material in checked.materials:
            _write_material(material, stored.get(material["values"]["slug"]), report)
        by_slug = dict(CriticalMaterial.objects.values_list("slug", "pk"))
        for link in checked.mitigations:
            _, created = MaterialMitigation.objects.get_or_create(
                material_id=by_slug[link["material"]],
                action=link["action"],
                approach=link["approach"],
                defaults={"note": link["note"], "is_illustrative": link["is_illustrative"]},
            )
            if created:
                report.mitigations_created += 1
            else:
                report.mitigations_unchanged += 1
        return report


def _write_material(material: dict, current: CriticalMaterial | None, report) -> None:
    values = material["values"]
    created = current is None
    if created:
        current = CriticalMaterial(**values)
        _save_loaded(current, material["where"])
    else:
        fields = [name for name, value in values.items() if getattr(current, name) != value]
        for name in fields:
            setattr(current, name, values[name])
        if fields:
            _save_loaded(current, material["where"])
    rows_changed = _replace(
        current.suppliers.all(),
        material["suppliers"],
        lambda row: MaterialSupplier(material=current, **row),
        SUPPLIER_FIELDS,
        material["where"],
    )
    rows_changed |= _replace(
        current.defence_uses.all(),
        material["defence_uses"],
        lambda row: MaterialDefenceUse(material=current, **row),
        ("use", "source"),
        material["where"],
    )
    report.suppliers += len(material["suppliers"])
    report.defence_uses += len(material["defence_uses"])
    if created:
        report.created += 1
    elif fields or rows_changed:
        report.updated += 1
    else:
        report.unchanged += 1


def _replace(existing, rows: list[dict], build, names: tuple[str, ...], where: str) -> bool:
    """Makes the stored rows exactly the file's rows; writes nothing when they already are."""
    stored = sorted(tuple(getattr(obj, n) for n in names) for obj in existing)
    wanted = sorted(tuple(row[n] for n in names) for row in rows)
    if stored == wanted:
        return False
    existing.delete()
    for row in rows:
        _save_loaded(build(row), where)
    return True


def _save_loaded(instance, where: str) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise RoadmapLoadError(
            [_("%(where)s: the database refused it: %(error)s") % {"where": where, "error": exc}]
        ) from exc
