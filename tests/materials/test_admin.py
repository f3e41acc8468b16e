"""The secretariat corrects the register in the admin under the same rules; nobody else can."""

import pytest
from django.urls import reverse

from roadmap.models import CriticalMaterial, MaterialMitigation, MaterialSupplier

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretariat_admin(client, secretariat_user):
    secretariat_user.is_staff = True
    secretariat_user.save()
    client.force_login(secretariat_user)
    return client


@pytest.fixture
def delegate_admin(client, fra_delegate):
    fra_delegate.is_staff = True
    fra_delegate.save()
    client.force_login(fra_delegate)
    return client


def admin_url(model, view, *args):
    return reverse(f"admin:roadmap_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", [CriticalMaterial, MaterialMitigation])
def test_secretariat_opens_the_material_admin(secretariat_admin, register, model):
    tungsten = CriticalMaterial.objects.get(slug="tungsten")

    assert secretariat_admin.get(admin_url(model, "changelist")).status_code == 200
    assert secretariat_admin.get(admin_url(model, "add")).status_code == 200
    if model is CriticalMaterial:
        page = secretariat_admin.get(admin_url(model, "change", tungsten.pk))
        assert page.status_code == 200
        assert "China" in page.content.decode()


@pytest.mark.parametrize("model", [CriticalMaterial, MaterialMitigation])
def test_a_staff_delegate_is_refused(delegate_admin, register, model):
    assert delegate_admin.get(admin_url(model, "changelist")).status_code == 403


def _inline_post(material, shares):
    """The change form of `material` with its suppliers set to `shares`."""
    suppliers = list(material.suppliers.order_by("pk"))
    data = {
        "slug": material.slug,
        "name": material.name,
        "symbol": material.symbol,
        "nato_defence_critical_2024": "on",
        "eu_critical_2023": "on",
        "eu_strategic_2023": "on",
        "eu_foresight_2020_high_risk": "unknown",
        "notes": material.notes,
        "sources": material.sources,
        "suppliers-TOTAL_FORMS": len(suppliers),
        "suppliers-INITIAL_FORMS": len(suppliers),
        "defence_uses-TOTAL_FORMS": 0,
        "defence_uses-INITIAL_FORMS": 0,
        "mitigations-TOTAL_FORMS": 0,
        "mitigations-INITIAL_FORMS": 0,
    }
    for index, (supplier, share) in enumerate(zip(suppliers, shares, strict=True)):
        prefix = f"suppliers-{index}-"
        data |= {
            prefix + "id": supplier.pk,
            prefix + "material": material.pk,
            prefix + "country": supplier.country,
            prefix + "iso3": supplier.iso3,
            prefix + "share_pct": share,
            prefix + "source": supplier.source,
            prefix + "reference_period": "",
            prefix + "year": "",
        }
    return data


def test_admin_refuses_shares_over_100_percent(secretariat_admin, register):
    gallium = CriticalMaterial.objects.get(slug="gallium")

    response = secretariat_admin.post(
        admin_url(CriticalMaterial, "change", gallium.pk), _inline_post(gallium, [90, 8, 5])
    )

    assert response.status_code == 200
    assert "The known shares of Gallium would add up to 103 %, more than 100 %." in (
        response.content.decode()
    )
    assert MaterialSupplier.objects.get(material=gallium, country="China").share_pct == 80


def test_admin_saves_a_correction(secretariat_admin, register):
    gallium = CriticalMaterial.objects.get(slug="gallium")

    response = secretariat_admin.post(
        admin_url(CriticalMaterial, "change", gallium.pk), _inline_post(gallium, [81, 8, 5])
    )

    assert response.status_code == 302
    assert MaterialSupplier.objects.get(material=gallium, country="China").share_pct == 81


def test_admin_refuses_an_assessed_score_without_source(secretariat_admin, register):
    gallium = CriticalMaterial.objects.get(slug="gallium")
    data = _inline_post(gallium, [80, 8, 5]) | {"supply_risk_score": "3"}

    response = secretariat_admin.post(admin_url(CriticalMaterial, "change", gallium.pk), data)

    assert response.status_code == 200
    assert "An assessed supply-risk score or band needs its source and year." in (
        response.content.decode()
    )
    gallium.refresh_from_db()
    assert gallium.supply_risk_score is None
