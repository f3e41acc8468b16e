"""The register, a material's page and the action item's materials, as people read them."""

import re
from html import unescape

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from roadmap.material_selectors import materials_for_action
from roadmap.materials import link_mitigation
from roadmap.models import CriticalMaterial
from tests.materials.conftest import held_action, report

pytestmark = pytest.mark.django_db

REGISTER = reverse("materials:register")


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    html = unescape(response.content.decode())
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.sub(r" ([,.])", r"\1", words)


def register_rows(response) -> list[str]:
    """Material names in the register table, in order."""
    html = response.content.decode()
    if 'id="register-heading"' not in html:
        return []
    table = html[html.index('id="register-heading"') :]
    table = table[: table.index("</table>")]
    return re.findall(r'<th scope="row">\s*<a href="[^"]+">([^<]+)</a>', table)


def test_register_lists_every_material_with_the_indicator_label(client, observer, register):
    client.force_login(observer)

    response = client.get(REGISTER)

    page = text(response)
    assert len(register_rows(response)) == CriticalMaterial.objects.count() == 34
    assert "Concentration is the product's own indicator, not an official score." in page
    assert "does not state their reference years" in page
    assert "34 materials" in page
    # Arsenic has no share: "No data", never a 0 bar in the chart.
    assert "No data (no known supplier share): Arsenic, Feldspar, Helium, Manganese, Nickel" in page
    assert response.content.decode().count('class="chart__bar ') == 29


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nato=true", 13),
        ("eu_strategic=true", 18),
        ("nato=true&eu_strategic=false", 1),  # beryllium
        ("country=USA", 9),
        ("country=China", 24),
        ("concentration=no_data", 5),
        ("concentration=low", 2),  # copper, titanium metal
        ("q=W", 1),
        ("band=high", 0),
    ],
)
def test_register_filters(client, observer, register, query, expected):
    client.force_login(observer)

    response = client.get(f"{REGISTER}?{query}")

    assert len(register_rows(response)) == expected


def test_register_sorts_by_concentration_with_no_data_last(client, observer, register):
    client.force_login(observer)

    highest_first = register_rows(client.get(f"{REGISTER}?ordering=-hhi"))
    lowest_first = register_rows(client.get(f"{REGISTER}?ordering=hhi"))

    assert highest_first[:3] == ["Niobium", "Magnesium", "Beryllium"]
    assert lowest_first[0] == "Titanium metal"
    assert (
        highest_first[-5:]
        == lowest_first[-5:]
        == [
            "Arsenic",
            "Feldspar",
            "Helium",
            "Manganese",
            "Nickel",
        ]
    )


def test_a_bad_filter_is_reported(client, observer, register):
    client.force_login(observer)

    page = text(client.get(f"{REGISTER}?band=enormous"))

    assert "Some filters could not be used" in page
    assert "Select a valid choice. enormous is not one of the available choices." in page


def test_who_supplies_what_names_non_allied_majority_holders(client, observer, register):
    client.force_login(observer)

    response = client.get(REGISTER)

    html = response.content.decode()
    majority = html[html.index('id="majority-heading"') : html.index('id="suppliers-heading"')]
    countries = re.findall(r'<th scope="row">([^<]+?)(?: <span|</th>)', majority)
    assert countries == ["China", "Brazil", "South Africa", "DR Congo"]
    assert "Tungsten 82 %" in re.sub(r"<[^>]+>", "", majority)
    # The United States holds 88 % of beryllium, but it is an Ally.
    assert "Beryllium" not in majority


def test_material_page_shows_figures_sources_and_what_is_not_stated(client, observer, register):
    client.force_login(observer)

    page = text(client.get(reverse("materials:detail", args=["gallium"])))

    assert "The product's own indicator, not an official score." in page
    assert "HHI over the known shares 6,489" in page
    assert "Coverage (known shares together) 93 %" in page
    assert "China CHN No 80 % Not stated in the source" in page
    assert "Germany DEU Ally 8 %" in page
    assert "Gallium-nitride (GaN) electronics" in page
    assert "Source: Defense Innovation Review" in page
    assert "None entered" in page
    assert "No action item mitigates this material yet." in page
    assert "NATO defence-critical list: MetalsWire" in page


def test_material_without_shares_says_no_data(client, observer, register):
    client.force_login(observer)

    page = text(client.get(reverse("materials:detail", args=["arsenic"])))

    assert "No data" in page
    assert "No supplier share was found in the sources consulted." in page
    assert "No defence use is named in the sources consulted." in page


def test_material_page_lists_mitigating_actions_with_rolled_up_status(
    client, secretariat_user, observer, fra, register
):
    tungsten = CriticalMaterial.objects.get(slug="tungsten")
    action, assignment = held_action(fra, number=3, title="Stockpile tungsten concentrate")
    link_mitigation(
        user=secretariat_user,
        material=tungsten,
        action=action,
        approach="stockpiling",
        note="Two years of demand in national stocks.",
    )
    report(secretariat_user, assignment, "at_risk", 35)
    client.force_login(observer)

    page = text(client.get(reverse("materials:detail", args=["tungsten"])))

    assert f"{action.code} Stockpile tungsten concentrate Stockpiling" in page
    assert "Two years of demand in national stocks. At risk 35 %" in page


def test_action_page_can_show_the_materials_it_addresses(secretariat_user, observer, fra, register):
    action, _assignment = held_action(fra, number=3)
    for slug, approach in [("tungsten", "stockpiling"), ("gallium", "substitution")]:
        link_mitigation(
            user=secretariat_user,
            material=CriticalMaterial.objects.get(slug=slug),
            action=action,
            approach=approach,
        )
    request = RequestFactory().get("/")
    request.user = observer

    links = materials_for_action(user=observer, action=action)
    html = Template("{% load material_tags %}{% action_materials action %}").render(
        Context({"action": action, "request": request})
    )

    assert [(m.material.slug, m.approach) for m in links] == [
        ("gallium", "substitution"),
        ("tungsten", "stockpiling"),
    ]
    assert "Materials this action addresses" in html
    assert 'href="/materials/tungsten/"' in html and "Stockpiling" in html


def test_anonymous_is_sent_to_log_in(client, register):
    for url in [REGISTER, reverse("materials:gaps"), reverse("materials:detail", args=["cobalt"])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_outsider_gets_403_on_lists_and_404_on_a_material(client, register):
    from tests import factories

    client.force_login(factories.UserFactory(email="nobody@example.org"))

    assert client.get(REGISTER).status_code == 403
    assert client.get(reverse("materials:gaps")).status_code == 403
    assert client.get(reverse("materials:detail", args=["cobalt"])).status_code == 403


def test_unknown_material_is_404(client, observer, register):
    client.force_login(observer)

    assert client.get(reverse("materials:detail", args=["unobtainium"])).status_code == 404


def test_only_the_secretariat_sees_the_admin_link(client, observer, secretariat_user, register):
    url = reverse("materials:detail", args=["cobalt"])
    client.force_login(observer)
    assert "Correct this material in the admin" not in text(client.get(url))
    client.force_login(secretariat_user)
    assert "Correct this material in the admin" in text(client.get(url))
