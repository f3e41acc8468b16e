"""Recording status updates through the API: what is accepted, and every way it is refused."""

import pytest

from roadmap.models import Assignment
from tests.api.matrix import assert_status, call
from tracker.models import StatusUpdate

pytestmark = pytest.mark.django_db
URL = "/api/v1/status-updates/"
BULK_URL = "/api/v1/status-updates/bulk/"


@pytest.fixture
def fra_client(client_as):
    return client_as("fra_delegate")


def an_update(target, **fields):
    target.refresh_from_db()
    return {
        "assignment": target.pk,
        "base_version": target.version,
        "status": "on_track",
        "progress": 40,
        "narrative": "Survey of suppliers finished.",
        **fields,
    }


def assert_nothing_written(assignment, *, updates_before: int):
    version = assignment.version
    assignment.refresh_from_db()
    assert assignment.version == version
    assert StatusUpdate.objects.count() == updates_before


def test_delegate_records_an_update(world, fra_client):
    item = an_update(
        world.fra_assignment,
        status="completed",
        progress=100,
        evidence_links=["https://example.org/report.pdf"],
        releasability="industry",
    )

    response = call(fra_client, "post", URL, item)

    assert_status(response, 201)
    assert response.data["status"] == "completed"
    assert response.data["evidence_links"] == ["https://example.org/report.pdf"]
    assert response.data["author"] == str(world.fra_assignment.updates.first().author)
    world.fra_assignment.refresh_from_db()
    assert (world.fra_assignment.status, world.fra_assignment.version) == ("completed", 4)
    assert world.fra_assignment.industry_status == "completed"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"status": "finished"}, "status"),
        ({"progress": -1}, "progress"),
        ({"progress": 101}, "progress"),
        ({"status": "completed", "progress": 100, "narrative": ""}, "narrative"),
        ({"status": "completed", "progress": 60}, "progress"),
        ({"narrative": "x" * 10_001}, "narrative"),
        ({"progress": "half"}, "progress"),
        ({"progress": True}, "progress"),
        ({"assignment": "FRA"}, "assignment"),
        ({"evidence_links": "https://example.org"}, "evidence_links"),
        ({"evidence_links": ["not a url"]}, "evidence_links"),
        ({"releasability": "secret"}, "releasability"),
        ({"base_version": "latest"}, "base_version"),
        ({"status": "cancelled"}, "status"),
    ],
    ids=lambda value: str(value)[:40],
)
def test_bad_input_is_400_naming_the_field(fields, field, world, fra_client):
    before = StatusUpdate.objects.count()

    response = call(fra_client, "post", URL, an_update(world.fra_assignment, **fields))

    assert_status(response, 400)
    assert field in response.data
    assert all(str(message) for message in response.data[field])
    assert_nothing_written(world.fra_assignment, updates_before=before)


def test_missing_fields_are_named(world, fra_client):
    response = call(fra_client, "post", URL, {})

    assert_status(response, 400)
    assert {"assignment", "status", "progress"} <= set(response.data)


def test_no_version_at_all_is_400(world, fra_client):
    item = an_update(world.fra_assignment)
    del item["base_version"]

    response = call(fra_client, "post", URL, item)

    assert_status(response, 400)
    assert "base_version" in response.data


def test_malformed_json_is_400(world, fra_client):
    before = StatusUpdate.objects.count()

    response = fra_client.post(
        URL, data='{"assignment": 1, "status": ', content_type="application/json"
    )

    assert_status(response, 400)
    assert "JSON" in str(response.data["detail"])
    assert StatusUpdate.objects.count() == before


def test_a_list_instead_of_an_object_is_400(world, fra_client):
    response = call(fra_client, "post", URL, [an_update(world.fra_assignment)])

    assert_status(response, 400)
    assert "non_field_errors" in response.data


def test_stale_version_is_409_with_current_state(world, fra_client):
    before = StatusUpdate.objects.count()
    stale = an_update(world.fra_assignment, base_version=world.fra_assignment.version - 1)

    response = call(fra_client, "post", URL, stale)

    assert_status(response, 409)
    assert "version" in response.data["detail"]
    current = response.data["current"]
    assert current["id"] == world.fra_assignment.pk
    assert current["version"] == world.fra_assignment.version
    assert current["status"] == world.fra_assignment.status
    assert response["ETag"] == f'"{world.fra_assignment.version}"'
    assert_nothing_written(world.fra_assignment, updates_before=before)


def test_if_match_carries_the_version(world, fra_client):
    item = an_update(world.fra_assignment)
    version = item.pop("base_version")

    response = call(fra_client, "post", URL, item, HTTP_IF_MATCH=f'"{version}"')

    assert_status(response, 201)
    assert response.data["base_version"] == version


def test_stale_if_match_is_412(world, fra_client):
    before = StatusUpdate.objects.count()
    item = an_update(world.fra_assignment)
    del item["base_version"]

    response = call(fra_client, "post", URL, item, HTTP_IF_MATCH='"1"')

    assert_status(response, 412)
    assert response.data["current"]["version"] == world.fra_assignment.version
    assert_nothing_written(world.fra_assignment, updates_before=before)


def test_if_match_and_body_version_must_agree(world, fra_client):
    item = an_update(world.fra_assignment)

    response = call(fra_client, "post", URL, item, HTTP_IF_MATCH='"99"')

    assert_status(response, 400)
    assert "base_version" in response.data


def test_garbled_if_match_is_400(world, fra_client):
    response = call(fra_client, "post", URL, an_update(world.fra_assignment), HTTP_IF_MATCH="v2")

    assert_status(response, 400)
    assert "If-Match" in response.data


def test_someone_elses_assignment_is_403(world, fra_client):
    before = StatusUpdate.objects.count()

    response = call(fra_client, "post", URL, an_update(world.deu_assignment))

    assert_status(response, 403)
    assert "organisation" in response.data["detail"]
    assert_nothing_written(world.deu_assignment, updates_before=before)


def test_unknown_assignment_is_404(world, fra_client):
    before = StatusUpdate.objects.count()
    item = an_update(
        world.fra_assignment, assignment=Assignment.objects.order_by("pk").last().pk + 1
    )

    response = call(fra_client, "post", URL, item)

    assert_status(response, 404)
    assert StatusUpdate.objects.count() == before


def test_invisible_assignment_is_404(world, client_as):
    before = StatusUpdate.objects.count()

    response = call(client_as("outsider"), "post", URL, an_update(world.fra_assignment))

    assert_status(response, 404)
    assert_nothing_written(world.fra_assignment, updates_before=before)


def test_bulk_records_all(world, client_as):
    items = [an_update(world.fra_assignment), an_update(world.deu_assignment, progress=70)]

    response = call(client_as("secretariat_user"), "post", BULK_URL, {"items": items})

    assert_status(response, 201)
    assert [item["organisation"] for item in response.data["items"]] == ["FRA", "DEU"]
    world.deu_assignment.refresh_from_db()
    assert world.deu_assignment.progress == 70


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"progress": 101}, "progress"),
        ({"status": "finished"}, "status"),
        ({"base_version": 1}, "base_version"),
        ({"status": "completed", "progress": 100, "narrative": ""}, "narrative"),
        ({"assignment": 10**9}, "assignment"),
    ],
    ids=["progress", "status", "stale", "completed-without-narrative", "unknown-assignment"],
)
def test_bulk_with_one_bad_item_records_none(bad, field, world, client_as):
    before = StatusUpdate.objects.count()
    items = [
        an_update(world.deu_assignment),
        an_update(world.fra_assignment, **bad),
        an_update(world.dipb_assignment),
    ]

    response = call(client_as("secretariat_user"), "post", BULK_URL, {"items": items})

    assert_status(response, 400)
    assert list(response.data["errors"]) == ["1"]
    assert field in response.data["errors"]["1"]
    assert StatusUpdate.objects.count() == before
    for assignment in (world.fra_assignment, world.deu_assignment, world.dipb_assignment):
        assert_nothing_written(assignment, updates_before=before)


def test_bulk_refuses_someone_elses_item(world, fra_client):
    before = StatusUpdate.objects.count()
    items = [an_update(world.fra_assignment), an_update(world.deu_assignment)]

    response = call(fra_client, "post", BULK_URL, {"items": items})

    assert_status(response, 400)
    assert "assignment" in response.data["errors"]["1"]
    assert StatusUpdate.objects.count() == before


@pytest.mark.parametrize(
    "body",
    [{}, {"items": []}, {"items": "all"}, {"items": [1]}],
    ids=["missing", "empty", "not-a-list", "not-objects"],
)
def test_bulk_shape_errors_name_items(body, world, client_as):
    response = call(client_as("secretariat_user"), "post", BULK_URL, body)

    assert_status(response, 400)
    assert "items" in response.data or "errors" in response.data


def test_bulk_same_assignment_twice_is_400(world, client_as):
    items = [an_update(world.fra_assignment), an_update(world.fra_assignment)]

    response = call(client_as("secretariat_user"), "post", BULK_URL, {"items": items})

    assert_status(response, 400)
    assert "items" in response.data
