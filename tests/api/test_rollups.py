"""Roll-up figures on lines, outcomes, actions and organisations, as each reader may see them."""

import pytest

from tests.api.matrix import assert_status

pytestmark = pytest.mark.django_db

NODES = [
    ("/api/v1/lines-of-effort/", "LOE-1"),
    ("/api/v1/key-outcomes/", "LOE-1.KO-1"),
    ("/api/v1/action-items/", "LOE-1.KO-1.A-1"),
]


@pytest.mark.parametrize(("url", "code"), NODES)
@pytest.mark.parametrize(
    ("role", "status", "progress"),
    [("observer", "blocked", 30.0), ("niag_member", "on_track", 20.0)],
)
def test_list_and_detail_show_the_same_figure(url, code, role, status, progress, world, client_as):
    client = client_as(role)

    listed = next(row for row in client.get(url).data["results"] if row["code"] == code)
    detail = client.get(f"{url}{code}/")

    assert_status(detail, 200)
    for figure in (listed["rollup"], detail.data["rollup"]):
        assert (figure["status"], figure["progress"]) == (status, progress)
        assert figure["explanation"]["text"]


def test_action_detail_names_each_holder(world, client_as):
    figure = client_as("observer").get("/api/v1/action-items/LOE-1.KO-1.A-1/").data["rollup"]

    assert (figure["total"], figure["reported"], figure["not_reported"]) == (4, 1, 3)
    assert figure["explanation"]["not_reported"] == ["DEU", "DIPB", "NIAG"]
    assert [c["code"] for c in figure["explanation"]["counted"]] == ["FRA"]


def test_organisation_rollup(world, client_as):
    fra = client_as("observer").get("/api/v1/organisations/FRA/").data["rollup"]
    deu = client_as("observer").get("/api/v1/organisations/DEU/").data["rollup"]

    assert (fra["status"], fra["progress"]) == ("blocked", 30.0)
    assert (deu["status"], deu["progress"], deu["not_reported"]) == (None, None, 1)


def test_outsider_gets_no_figures(world, client_as):
    assert client_as("outsider").get("/api/v1/lines-of-effort/").data["results"] == []
