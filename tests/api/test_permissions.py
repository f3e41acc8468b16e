"""The permission matrix, endpoint by endpoint and role by role."""

import pytest

from tests.api.conftest import NATO_ONLY_NARRATIVE
from tests.api.matrix import (
    ANONYMOUS,
    CREATE_ON_FRA,
    EVERYONE,
    assert_status,
    call,
    case_id,
    read_cases,
    refused_write_cases,
)
from tracker.models import StatusUpdate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("endpoint", "role"), read_cases(), ids=case_id)
def test_read(endpoint, role, world, client_as):
    response = call(client_as(role), "get", endpoint.url(world))

    assert_status(response, endpoint.expected_read(role))
    if role == ANONYMOUS:
        assert response["WWW-Authenticate"] == "Token"
    if endpoint.kind == "list" and role == "outsider":
        assert response.data["results"] == []
    if endpoint.kind == "list" and role not in {ANONYMOUS, "outsider"}:
        assert response.data["count"] >= 1


@pytest.mark.parametrize(("endpoint", "method", "role"), refused_write_cases(), ids=case_id)
def test_methods_not_offered(endpoint, method, role, world, client_as):
    before = StatusUpdate.objects.count()

    response = call(client_as(role), method, endpoint.url(world), {"status": "completed"})

    assert_status(response, 401 if role == ANONYMOUS else 405)
    assert StatusUpdate.objects.count() == before


@pytest.mark.parametrize("role", EVERYONE)
def test_create_status_update(role, world, client_as):
    before = StatusUpdate.objects.count()
    item = {
        "assignment": world.fra_assignment.pk,
        "base_version": world.fra_assignment.version,
        "status": "at_risk",
        "progress": 40,
        "narrative": "Supplier audit slipped a quarter.",
    }

    response = call(client_as(role), "post", "/api/v1/status-updates/", item)

    expected = CREATE_ON_FRA[role]
    assert_status(response, expected)
    assert StatusUpdate.objects.count() == before + (expected == 201)
    if expected == 201:
        assert response.data["status"] == "at_risk"
        assert response.data["version"] == world.fra_assignment.version + 1
    if expected in {403, 404}:
        assert response.data["detail"]


@pytest.mark.parametrize("role", EVERYONE)
def test_bulk_create(role, world, client_as):
    before = StatusUpdate.objects.count()
    items = [
        {
            "assignment": world.fra_assignment.pk,
            "base_version": world.fra_assignment.version,
            "status": "on_track",
            "progress": 50,
        }
    ]

    response = call(client_as(role), "post", "/api/v1/status-updates/bulk/", {"items": items})

    expected = CREATE_ON_FRA[role]
    if expected in {403, 404}:
        # Per-item refusals come back by position, with nothing recorded.
        assert_status(response, 400)
        assert list(response.data["errors"]) == ["0"]
        assert "assignment" in response.data["errors"]["0"]
    else:
        assert_status(response, expected)
    assert StatusUpdate.objects.count() == before + (expected == 201)


@pytest.mark.parametrize(
    ("role", "code"),
    [("niag_member", 201), ("fra_delegate", 403), ("secretariat_user", 201), ("observer", 403)],
)
def test_industry_member_updates_own_group(role, code, world, client_as):
    item = {
        "assignment": world.niag_assignment.pk,
        "base_version": world.niag_assignment.version,
        "status": "on_track",
        "progress": 5,
        "releasability": "industry",
    }

    response = call(client_as(role), "post", "/api/v1/status-updates/", item)

    assert_status(response, code)


def test_nato_only_update_is_invisible_to_industry(world, client_as):
    url = f"/api/v1/status-updates/{world.nato_update.pk}/"

    assert_status(call(client_as("niag_member"), "get", url), 404)
    response = call(client_as("fra_delegate"), "get", url)
    assert_status(response, 200)
    assert response.data["narrative"] == NATO_ONLY_NARRATIVE
