"""An industry member never receives a NATO-only narrative or status, whatever they ask."""

import json

import pytest

from tests.api.conftest import INDUSTRY_NARRATIVE, NATO_ONLY_NARRATIVE
from tests.api.matrix import assert_status, call

pytestmark = pytest.mark.django_db

NATO_ONLY_STATUS = "blocked"  # the FRA assignment's latest, NATO-only, status


def industry_urls(world):
    fra = world.fra_assignment.pk
    return [
        "/api/v1/assignments/",
        f"/api/v1/assignments/{fra}/",
        "/api/v1/assignments/?status=blocked",
        "/api/v1/assignments/?status=blocked&status=on_track",
        "/api/v1/assignments/?q=gallium",
        "/api/v1/assignments/?q=FRA&organisation=FRA",
        "/api/v1/assignments/?ordering=-status",
        "/api/v1/assignments/?overdue=false&stale=false",
        "/api/v1/status-updates/",
        f"/api/v1/status-updates/?assignment={fra}",
        "/api/v1/status-updates/?action=LOE-1.KO-1.A-1",
        "/api/v1/status-updates/?organisation=FRA",
        "/api/v1/status-updates/?q=gallium",
        "/api/v1/status-updates/?q=NATO",
        "/api/v1/status-updates/?since=2000-01-01T00:00:00Z",
        f"/api/v1/status-updates/{world.nato_update.pk}/",
        "/api/v1/action-items/",
        "/api/v1/action-items/LOE-1.KO-1.A-1/",
        "/api/v1/key-outcomes/",
        "/api/v1/key-outcomes/LOE-1.KO-1/",
        "/api/v1/lines-of-effort/",
        "/api/v1/lines-of-effort/LOE-1/",
        "/api/v1/organisations/",
        "/api/v1/organisations/FRA/",
    ]


def statuses_in(data):
    """Every status value in a response, and the count of blocked children in roll-ups."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "status":
                yield value
            elif key == "counts" and value.get(NATO_ONLY_STATUS):
                yield NATO_ONLY_STATUS
            else:
                yield from statuses_in(value)
    elif isinstance(data, list):
        for item in data:
            yield from statuses_in(item)


def test_industry_member_never_receives_nato_only_content(world, client_as):
    client = client_as("niag_member")

    for url in industry_urls(world):
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        assert NATO_ONLY_NARRATIVE not in response.content.decode(), url
        assert NATO_ONLY_STATUS not in set(statuses_in(response.json())), url


def test_industry_member_sees_the_industry_release(world, client_as):
    response = client_as("niag_member").get(f"/api/v1/assignments/{world.fra_assignment.pk}/")

    assert_status(response, 200)
    assert (response.data["status"], response.data["progress"]) == ("on_track", 20)
    updates = client_as("niag_member").get("/api/v1/status-updates/").data["results"]
    assert [u["narrative"] for u in updates] == [INDUSTRY_NARRATIVE]


def test_status_filter_matches_what_industry_is_shown(world, client_as):
    client = client_as("niag_member")

    blocked = client.get("/api/v1/assignments/?status=blocked").data
    on_track = client.get("/api/v1/assignments/?status=on_track").data

    assert blocked["count"] == 0
    assert [a["organisation"] for a in on_track["results"]] == ["FRA"]


def test_the_test_would_notice_a_leak(world, client_as):
    """The same walk over a NATO reader's responses finds the NATO-only status."""
    client = client_as("observer")

    found = set()
    for url in industry_urls(world):
        found |= set(statuses_in(client.get(url).json()))

    assert NATO_ONLY_STATUS in found


def test_nato_readers_see_the_nato_status_and_narrative(world, client_as):
    client = client_as("observer")

    assignment = client.get(f"/api/v1/assignments/{world.fra_assignment.pk}/").data
    narratives = [u["narrative"] for u in client.get("/api/v1/status-updates/").data["results"]]

    assert (assignment["status"], assignment["progress"]) == ("blocked", 30)
    assert narratives == [NATO_ONLY_NARRATIVE, INDUSTRY_NARRATIVE]


def test_nothing_released_yet_shows_empty_status(world, client_as):
    response = client_as("niag_member").get(f"/api/v1/assignments/{world.deu_assignment.pk}/")

    assert (response.data["status"], response.data["progress"]) == ("", None)
    assert response.data["last_reported_at"] is None


def test_conflict_body_shows_industry_view(world, client_as):
    """The current state in a 409 is the one the caller may read."""
    item = {
        "assignment": world.fra_assignment.pk,
        "base_version": 1,
        "status": "on_track",
        "progress": 5,
    }

    response = call(client_as("niag_member"), "post", "/api/v1/status-updates/", item)

    # Not NIAG's assignment: refused before the version is compared, so nothing leaks.
    assert_status(response, 403)
    assert NATO_ONLY_STATUS not in json.dumps(response.data)
