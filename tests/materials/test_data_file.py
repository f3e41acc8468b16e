"""The project's materials file holds every material of the reference, with every source, and
the loader refuses a bad file as a whole."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from roadmap.materials import RoadmapLoadError, load_materials_data, load_materials_file
from roadmap.models import (
    CriticalMaterial,
    MaterialDefenceUse,
    MaterialMitigation,
    MaterialSupplier,
)
from tests import factories
from tests.materials.conftest import DATA_FILE

pytestmark = pytest.mark.django_db


def test_register_loads_every_reference_material_with_its_sources(register, seed_materials):
    stored = {m.name: m for m in CriticalMaterial.objects.prefetch_related("suppliers")}

    assert len(stored) == len(seed_materials)
    for seed in seed_materials:
        material = stored[seed["name"]]
        assert material.nato_defence_critical_2024 is seed["nato_defence_critical_2024"]
        assert material.eu_critical_2023 is seed["eu_crm_2023"]
        assert material.eu_strategic_2023 is seed["eu_strategic_2023"]
        assert material.eu_foresight_2020_high_risk is seed["eu_foresight_2020_high_risk"]
        assert material.notes == seed["notes"]
        # Every source of the reference is kept, whole, in the same order.
        assert material.source_list() == seed["source"].split(" | ")
        shares = sorted((s.country, s.share_pct) for s in material.suppliers.all())
        assert shares == sorted(
            (s["country"], Decimal(s["share_pct"])) for s in seed["main_suppliers"]
        )
        uses = set(material.defence_uses.values_list("use", flat=True))
        assert uses == set(seed["defence_uses"])


def test_nothing_is_invented(register, seed_materials):
    # The reference has no assessed supply risk, and no stated year for any supplier share.
    assert all(seed["supply_risk"] is None and seed["risk_band"] is None for seed in seed_materials)
    assert not CriticalMaterial.objects.exclude(supply_risk_score=None).exists()
    assert not CriticalMaterial.objects.exclude(supply_risk_band="").exists()
    assert not MaterialSupplier.objects.exclude(year=None).exists()
    # Only IISS states a period (China's average share 2016-2020), for aluminium and copper.
    periods = MaterialSupplier.objects.exclude(reference_period="")
    assert sorted(periods.values_list("material__slug", flat=True)) == ["aluminium", "copper"]
    assert all("IISS" in s.source for s in periods)
    # Every supplier share and defence use names its source; the loader links no action.
    assert not MaterialSupplier.objects.filter(source="").exists()
    assert not MaterialDefenceUse.objects.filter(source="").exists()
    assert not MaterialMitigation.objects.exists()


def test_nato_list_and_eu_counts_follow_the_reference(register, seed_materials):
    nato = CriticalMaterial.objects.filter(nato_defence_critical_2024=True)
    assert nato.count() == sum(s["nato_defence_critical_2024"] for s in seed_materials) == 13
    assert CriticalMaterial.objects.filter(eu_strategic_2023=True).count() == 18


def test_reloading_the_file_changes_nothing(register):
    again = load_materials_file(path=DATA_FILE)

    assert (again.created, again.updated) == (0, 0)
    assert again.unchanged == CriticalMaterial.objects.count()


def test_a_reload_restores_the_file_values(register):
    CriticalMaterial.objects.filter(slug="tungsten").update(name="Wolfram")
    MaterialSupplier.objects.filter(material__slug="tungsten", country="China").delete()

    report = load_materials_file(path=DATA_FILE)

    assert report.updated == 1
    tungsten = CriticalMaterial.objects.get(slug="tungsten")
    assert tungsten.name == "Tungsten"
    assert tungsten.suppliers.get(country="China").share_pct == 82


def _material(**fields):
    return {
        "slug": "testium",
        "name": "Testium",
        "sources": [{"topic": "Supplier shares", "citation": "A study"}],
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {
                "suppliers": [
                    {"country": "A", "share_pct": 70, "source": "s"},
                    {"country": "B", "share_pct": 40, "source": "s"},
                ]
            },
            "materials[1] (testium): suppliers: the known shares of Testium would add up to "
            "110 %, more than 100 %",
        ),
        (
            {"suppliers": [{"country": "A", "share_pct": -5, "source": "s"}]},
            "materials[1] (testium): suppliers[0]: share_pct: must be more than 0 and at most "
            "100 %, got -5",
        ),
        (
            {"defence_uses": [{"use": "armour", "sources": []}]},
            "materials[1] (testium): defence_uses[0]: sources: a defence use is kept only with "
            "its source",
        ),
        (
            {"colour": "grey"},
            "materials[1] (testium): colour: unknown field",
        ),
    ],
)
def test_bad_material_is_refused_and_nothing_written(fields, message):
    data = {"materials": [_material(slug="fine", name="Fine"), _material(**fields)]}

    with pytest.raises(RoadmapLoadError) as refused:
        load_materials_data(data=data)

    assert any(m.startswith(message) for m in refused.value.messages), refused.value.messages
    assert not CriticalMaterial.objects.exists()


def test_unknown_approach_and_action_are_refused(register):
    action = factories.ActionItemFactory()
    data = {
        "mitigations": [
            {"material": "tungsten", "action": action.code, "approach": "magic"},
            {"material": "unobtainium", "action": "LOE-9.KO-9.A-9", "approach": "recycling"},
        ]
    }

    with pytest.raises(RoadmapLoadError) as refused:
        load_materials_data(data=data)

    assert refused.value.messages == [
        "mitigations[0]: approach: unknown approach 'magic' (allowed: stockpiling, recycling, "
        "substitution, diversification, research)",
        "mitigations[1]: material: unknown material 'unobtainium'",
        "mitigations[1]: action: unknown action item 'LOE-9.KO-9.A-9'",
    ]
    assert not MaterialMitigation.objects.exists()


def test_command_lists_problems_and_exits_non_zero(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "materials:\n  - {slug: x, name: X, suppliers: [{country: A, share_pct: 101, source: s}]}\n"
    )

    with pytest.raises(CommandError, match=r"1 problem in .*nothing was written"):
        call_command("load_materials", str(bad))

    assert "share_pct: must be more than 0 and at most 100 %, got 101" in capsys.readouterr().err
    assert not CriticalMaterial.objects.exists()


def test_seed_demo_loads_the_register_and_illustrative_links(capsys):
    call_command("seed_demo", password="demo-password-1")

    assert CriticalMaterial.objects.count() == 34
    links = MaterialMitigation.objects.all()
    assert links.exists()
    assert all(link.is_illustrative and link.action.is_illustrative for link in links)
