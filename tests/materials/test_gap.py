"""The gap view: NATO-listed or highly concentrated materials that no action mitigates, or whose
only mitigating actions are off track, blocked or cancelled."""

import pytest
from django.urls import reverse

from accounts.choices import Releasability
from roadmap.material_selectors import GapReason, gap_list
from roadmap.materials import link_mitigation
from roadmap.models import CriticalMaterial
from tests import factories
from tests.materials.conftest import held_action, report

pytestmark = pytest.mark.django_db

GAP_URL = reverse("materials:gaps")


def gap_names(client, url=GAP_URL) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def tungsten(register):
    return CriticalMaterial.objects.get(slug="tungsten")


def test_linking_an_action_removes_the_material_and_off_track_puts_it_back(
    client, secretariat_user, fra, tungsten
):
    client.force_login(secretariat_user)
    # Given tungsten, on NATO's list, with no mitigating action
    assert "Tungsten" in gap_names(client)
    entry = next(
        e for e in gap_list(user=secretariat_user, threshold=2500) if e.material == tungsten
    )
    assert entry.reason == GapReason.NO_ACTION
    assert entry.in_scope_because[0] == "On NATO's defence-critical list (2024)"

    # When the secretariat links an action that stockpiles it
    action, assignment = held_action(fra, number=3)
    link_mitigation(user=secretariat_user, material=tungsten, action=action, approach="stockpiling")

    # Then it leaves the gap view (an action nobody has reported on still counts)
    assert "Tungsten" not in gap_names(client)

    # When the holder reports the action off track
    report(secretariat_user, assignment, "off_track", 20)

    # Then it is back, because its only mitigating action is off track
    page = gap_names(client)
    assert "Tungsten" in page
    assert "Every mitigating action is off track, blocked or cancelled." in page
    entry = next(
        e for e in gap_list(user=secretariat_user, threshold=2500) if e.material == tungsten
    )
    assert entry.reason == GapReason.ONLY_STALLED
    assert [row.status for row in entry.mitigations] == ["off_track"]

    # Back on track it leaves again; blocked or cancelled it returns
    report(secretariat_user, assignment, "on_track", 40)
    assert "Tungsten" not in gap_names(client)
    report(secretariat_user, assignment, "blocked", 40)
    assert "Tungsten" in gap_names(client)
    report(secretariat_user, assignment, "cancelled", 40)
    assert "Tungsten" in gap_names(client)


def test_one_healthy_action_among_stalled_ones_is_enough(secretariat_user, fra, deu, tungsten):
    stalled, stalled_assignment = held_action(fra, number=3)
    healthy, _assignment = held_action(deu, number=4, title="Recycle penetrators")
    link_mitigation(
        user=secretariat_user, material=tungsten, action=stalled, approach="stockpiling"
    )
    link_mitigation(user=secretariat_user, material=tungsten, action=healthy, approach="recycling")
    report(secretariat_user, stalled_assignment, "blocked")

    assert tungsten not in [e.material for e in gap_list(user=secretariat_user, threshold=2500)]


def test_rolled_up_status_is_the_worst_of_the_holders(secretariat_user, fra, deu, tungsten):
    action, fra_assignment = held_action(fra, number=3)
    deu_assignment = factories.AssignmentFactory(action=action, organisation=deu)
    link_mitigation(user=secretariat_user, material=tungsten, action=action, approach="stockpiling")
    report(secretariat_user, fra_assignment, "on_track")
    report(secretariat_user, deu_assignment, "off_track")

    entries = gap_list(user=secretariat_user, threshold=2500)
    assert tungsten in [e.material for e in entries]


def test_threshold_brings_in_concentrated_materials_off_the_nato_list(client, observer, register):
    client.force_login(observer)

    default = gap_names(client)
    strict = gap_names(client, f"{GAP_URL}?threshold=9000")

    # Niobium (HHI 8,528) is not on NATO's list: in scope at 2,500, out at 9,000.
    assert "Niobium" in default and "Niobium" not in strict
    assert "HHI at or above 2,500" in default
    # Titanium metal (HHI 899) is on NATO's list, so it stays whatever the threshold.
    assert "Titanium metal" in default and "Titanium metal" in strict
    # Manganese has no share at all: on NATO's list, shown with "No data".
    assert "Manganese" in strict
    # Arsenic: no data and not on NATO's list, so never in scope.
    assert "Arsenic" not in default


def test_a_bad_threshold_says_so_and_uses_the_default(client, observer, register):
    client.force_login(observer)

    page = gap_names(client, f"{GAP_URL}?threshold=lots")

    assert "The threshold must be a whole number from 0 to 10,000; showing 2500 instead." in page
    assert "with a supply concentration (HHI) of 2,500 or more" in page
    assert "Niobium" in page


def test_industry_members_see_the_gap_from_the_industry_release(
    client, secretariat_user, niag_member, fra, tungsten
):
    action, assignment = held_action(fra, number=3)
    link_mitigation(user=secretariat_user, material=tungsten, action=action, approach="stockpiling")
    report(secretariat_user, assignment, "on_track", releasability=Releasability.INDUSTRY)
    report(secretariat_user, assignment, "off_track", releasability=Releasability.NATO)

    client.force_login(secretariat_user)
    assert "Tungsten" in gap_names(client)
    client.force_login(niag_member)
    page = gap_names(client)
    assert "Tungsten" not in page
    assert "Off track" not in page
