"""The materials API: reads for every member, writes for the secretariat only, through the
services' rules, with the audit trail; bad input is a 400 that changes nothing."""

import pytest
from auditlog.models import LogEntry

from roadmap.materials import link_mitigation
from roadmap.models import CriticalMaterial, MaterialMitigation, MaterialSupplier
from tests.materials.conftest import held_action, report

pytestmark = pytest.mark.django_db

MATERIALS = "/api/v1/materials/"
SUPPLIERS = "/api/v1/material-suppliers/"
MITIGATIONS = "/api/v1/material-mitigations/"
READERS = ["secretariat_user", "fra_delegate", "dipb_member", "niag_member", "observer"]
NON_SECRETARIAT = ["fra_delegate", "dipb_member", "niag_member", "observer"]


@pytest.fixture
def mitigated(register, secretariat_user, fra):
    """Tungsten stockpiled by an action FRA reports on track."""
    action, assignment = held_action(fra, number=3)
    report(secretariat_user, assignment, "on_track", 40)
    link_mitigation(
        user=secretariat_user,
        material=CriticalMaterial.objects.get(slug="tungsten"),
        action=action,
        approach="stockpiling",
    )
    return action


def test_material_carries_suppliers_concentration_and_mitigations(api_as, mitigated):
    response = api_as("observer").get(f"{MATERIALS}tungsten/")

    assert response.status_code == 200
    body = response.json()
    assert body["nato_defence_critical_2024"] is True
    assert [(s["country"], s["share_pct"], s["is_ally"]) for s in body["suppliers"]] == [
        ("China", 82.0, False),
        ("Russia", 4.0, False),
        ("Vietnam", 4.0, False),
    ]
    assert body["suppliers"][0]["year"] is None
    assert body["concentration"]["hhi"] == 6756.0  # 82² + 4² + 4²
    assert body["concentration"]["coverage"] == 90.0
    assert "not an official score" in body["concentration"]["explanation"]
    assert body["supply_risk_score"] is None
    assert body["mitigations"] == [
        {
            "id": body["mitigations"][0]["id"],
            "material": "tungsten",
            "action": mitigated.code,
            "action_title": mitigated.title,
            "approach": "stockpiling",
            "note": "",
            "is_illustrative": False,
            "action_status": "on_track",
        }
    ]
    assert body["defence_uses"][0]["source"].startswith("Mining Technology citing US GAO")


def test_allied_suppliers_are_recognised_by_iso_code(api_as, register):
    body = api_as("observer").get(f"{MATERIALS}boron/").json()

    # The reference spells Türkiye "Turkey"; its ISO code makes it an Ally.
    assert [(s["country"], s["iso3"], s["is_ally"]) for s in body["suppliers"]] == [
        ("Turkey", "TUR", True),
        ("United States", "USA", True),
        ("Chile", "CHL", False),
    ]


def test_list_filters(api_as, register):
    client = api_as("observer")

    nato = client.get(f"{MATERIALS}?nato=true&ordering=-hhi&page_size=50").json()
    assert nato["count"] == 13
    assert nato["results"][0]["slug"] == "beryllium"
    assert nato["results"][-1]["concentration"]["hhi"] is None  # manganese: no data, last
    no_data = client.get(f"{MATERIALS}?concentration=no_data").json()
    assert {m["slug"] for m in no_data["results"]} == {
        "arsenic",
        "feldspar",
        "helium",
        "manganese",
        "nickel",
    }
    assert client.get(f"{SUPPLIERS}?material=niobium").json()["count"] == 2
    assert client.get(f"{MATERIALS}?band=nope").status_code == 400


@pytest.mark.parametrize("role", READERS)
def test_every_member_reads(api_as, register, role):
    client = api_as(role)

    assert client.get(MATERIALS).json()["count"] == 34
    assert client.get(f"{MATERIALS}cobalt/").status_code == 200


def test_anonymous_is_401_and_outsider_sees_nothing(api_as, register):
    assert api_as("anonymous").get(MATERIALS).status_code == 401
    outsider = api_as("outsider")
    assert outsider.get(MATERIALS).json()["count"] == 0
    assert outsider.get(f"{MATERIALS}cobalt/").status_code == 404
    assert outsider.patch(f"{MATERIALS}cobalt/", {"notes": "x"}, format="json").status_code == 404


@pytest.mark.parametrize("role", NON_SECRETARIAT)
def test_only_the_secretariat_writes(api_as, mitigated, role):
    client = api_as(role)
    supplier = MaterialSupplier.objects.filter(material__slug="tungsten").first()
    link = MaterialMitigation.objects.get()

    attempts = [
        client.post(MATERIALS, {"slug": "x", "name": "X"}, format="json"),
        client.patch(f"{MATERIALS}tungsten/", {"notes": "changed"}, format="json"),
        client.post(
            SUPPLIERS,
            {"material": "tungsten", "country": "X", "share_pct": 1, "source": "s"},
            format="json",
        ),
        client.patch(f"{SUPPLIERS}{supplier.pk}/", {"share_pct": 50}, format="json"),
        client.delete(f"{SUPPLIERS}{supplier.pk}/"),
        client.post(
            MITIGATIONS,
            {"material": "tungsten", "action": mitigated.code, "approach": "recycling"},
            format="json",
        ),
        client.delete(f"{MITIGATIONS}{link.pk}/"),
    ]

    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert CriticalMaterial.objects.get(slug="tungsten").notes != "changed"
    assert MaterialSupplier.objects.filter(material__slug="tungsten").count() == 3
    assert MaterialMitigation.objects.count() == 1


def test_secretariat_corrects_the_register_with_an_audit_trail(api_as, mitigated, secretariat_user):
    client = api_as("secretariat_user")

    created = client.post(
        MATERIALS,
        {
            "slug": "rhenium",
            "name": "Rhenium",
            "symbol": "Re",
            "supply_risk_score": "4.2",
            "supply_risk_band": "high",
            "supply_risk_year": 2023,
            "supply_risk_source": "A named study, p. 12",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["supply_risk_band"] == "high"
    assert created.json()["concentration"]["concentration_class"] == "no_data"

    supplier = client.post(
        SUPPLIERS,
        {"material": "rhenium", "country": "Chile", "iso3": "CHL", "share_pct": 40, "source": "s"},
        format="json",
    )
    assert supplier.status_code == 201, supplier.json()
    corrected = client.patch(
        f"{SUPPLIERS}{supplier.json()['id']}/", {"share_pct": 45}, format="json"
    )
    assert corrected.status_code == 200
    linked = client.post(
        MITIGATIONS,
        {"material": "rhenium", "action": mitigated.code, "approach": "recycling", "note": "n"},
        format="json",
    )
    assert linked.status_code == 201, linked.json()
    assert linked.json()["action_status"] == "on_track"

    entries = LogEntry.objects.filter(actor=secretariat_user)
    models = {entry.content_type.model for entry in entries}
    assert {"criticalmaterial", "materialsupplier", "materialmitigation"} <= models
    share_change = entries.filter(content_type__model="materialsupplier").latest("timestamp")
    assert share_change.changes_dict["share_pct"] == ["40.00", "45.00"]


@pytest.mark.parametrize(
    ("url", "payload", "field", "message"),
    [
        (
            SUPPLIERS,
            {"material": "tungsten", "country": "Canada", "share_pct": 11, "source": "s"},
            "share_pct",
            "The known shares of Tungsten would add up to 101 %, more than 100 %.",
        ),
        (
            SUPPLIERS,
            {"material": "tungsten", "country": "Canada", "share_pct": -3, "source": "s"},
            "share_pct",
            "Share must be more than 0 and at most 100 %, got -3.",
        ),
        (
            MITIGATIONS,
            {"material": "tungsten", "action": "ACTION", "approach": "prayer"},
            "approach",
            'Unknown approach "prayer" (allowed: stockpiling, recycling, substitution, '
            "diversification, research).",
        ),
        (
            MITIGATIONS,
            {"material": "tungsten", "action": "ACTION", "approach": "stockpiling"},
            "non_field_errors",
            "This action is already linked to this material with this approach.",
        ),
        (
            MATERIALS,
            {"slug": "rhenium", "name": "Rhenium", "supply_risk_score": 4},
            "supply_risk_source",
            "An assessed supply risk needs its source.",
        ),
        (
            MATERIALS,
            {"slug": "Not A Slug", "name": "Rhenium"},
            "slug",
            "Lower-case letters and digits joined by '-'.",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_written(api_as, mitigated, url, payload, field, message):
    payload = {k: mitigated.code if v == "ACTION" else v for k, v in payload.items()}
    before = (
        CriticalMaterial.objects.count(),
        MaterialSupplier.objects.count(),
        MaterialMitigation.objects.count(),
        LogEntry.objects.count(),
    )

    response = api_as("secretariat_user").post(url, payload, format="json")

    assert response.status_code == 400
    assert message in response.json()[field]
    after = (
        CriticalMaterial.objects.count(),
        MaterialSupplier.objects.count(),
        MaterialMitigation.objects.count(),
        LogEntry.objects.count(),
    )
    assert after == before


def test_correcting_a_share_over_the_total_changes_nothing(api_as, register):
    china = MaterialSupplier.objects.get(material__slug="tungsten", country="China")

    response = api_as("secretariat_user").patch(
        f"{SUPPLIERS}{china.pk}/", {"share_pct": 95}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["share_pct"] == [
        "The known shares of Tungsten would add up to 103 %, more than 100 %."
    ]
    china.refresh_from_db()
    assert china.share_pct == 82


def test_schema_lists_the_material_endpoints(api_as, register):
    response = api_as("observer").get("/api/schema/")

    assert response.status_code == 200
    schema = response.content.decode()
    for path in (MATERIALS, SUPPLIERS, MITIGATIONS):
        assert path in schema
