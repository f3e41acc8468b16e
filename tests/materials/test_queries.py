"""Register, material, gap pages and the API list cost the same number of queries for 20
materials as for 220 (no query per material, supplier or mitigating action)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roadmap.models import (
    CriticalMaterial,
    MaterialDefenceUse,
    MaterialMitigation,
    MaterialSupplier,
)
from tests import factories
from tests.materials.conftest import report

pytestmark = pytest.mark.django_db

SIZES = (20, 220)
APPROACHES = ["stockpiling", "recycling", "substitution", "diversification", "research"]
STATUSES = ["on_track", "off_track", "blocked", "at_risk", None]


def build_actions(*, author, holders):
    """Five action items held by `holders`, in different rolled-up states."""
    actions = []
    for number, status in enumerate(STATUSES, start=1):
        action = factories.ActionItemFactory(outcome__line__number=number, number=1)
        for holder in holders:
            assignment = factories.AssignmentFactory(action=action, organisation=holder)
            if status:
                report(author, assignment, status)
        actions.append(action)
    return actions


def build_materials(n: int, actions):
    """n materials (half on NATO's list), two suppliers and a defence use each; every other
    material mitigated by one of the actions."""
    CriticalMaterial.objects.all().delete()
    materials = CriticalMaterial.objects.bulk_create(
        CriticalMaterial(
            slug=f"material-{i}",
            name=f"Material {i:03d}",
            nato_defence_critical_2024=i % 2 == 0,
            sources="Supplier shares: a study",
        )
        for i in range(n)
    )
    MaterialSupplier.objects.bulk_create(
        MaterialSupplier(material=m, country=country, iso3=iso3, share_pct=share, source="s")
        for m in materials
        for country, iso3, share in [("China", "CHN", Decimal(60)), ("France", "FRA", Decimal(20))]
    )
    MaterialDefenceUse.objects.bulk_create(
        MaterialDefenceUse(material=m, use="armour", source="s") for m in materials
    )
    MaterialMitigation.objects.bulk_create(
        MaterialMitigation(material=m, action=actions[i % 5], approach=APPROACHES[i % 5])
        for i, m in enumerate(materials)
        if i % 2
    )
    return materials


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:  # a CSV download reads its rows while it is sent
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


PAGES = [
    reverse("materials:register"),
    reverse("materials:register") + "?nato=true&country=CHN&concentration=high&ordering=-hhi",
    reverse("materials:register-csv") + "?nato=true&ordering=-hhi",
    reverse("materials:register-xlsx"),
    reverse("materials:gaps"),
    reverse("materials:gaps") + "?threshold=100",
    reverse("materials:detail", args=["material-1"]),
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_cost_the_same_for_20_and_220_materials(url, client, secretariat_user, fra, deu):
    client.force_login(secretariat_user)
    actions = build_actions(author=secretariat_user, holders=[fra, deu])
    counts = []
    for n in SIZES:
        build_materials(n, actions)
        counts.append(count(client, url))

    assert counts[0] == counts[1], counts
    assert counts[1] <= 16, counts


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/materials/?page_size=200",
        "/api/v1/materials/?page_size=200&nato=true&ordering=-hhi&country=FRA",
        "/api/v1/material-suppliers/?page_size=200",
        "/api/v1/material-mitigations/?page_size=200",
    ],
)
def test_api_lists_cost_the_same_for_20_and_220_materials(url, api_as, secretariat_user, fra, deu):
    client = api_as("secretariat_user")
    actions = build_actions(author=secretariat_user, holders=[fra, deu])
    counts = []
    for n in SIZES:
        build_materials(n, actions)
        counts.append(count(client, url))

    assert counts[0] == counts[1], counts
    assert counts[1] <= 12, counts
