"""On PostgreSQL the roadmap overview is kept against the data version, like the dashboard:
a second look costs a few queries, a write shows on the next look, and a reader of the
industry release never gets the NATO view."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roadmap.choices import Status
from tests.pages.page_html import holders_by_action, main_part
from tests.pages.test_home import NO_FIGURE
from tests.pages_daily.data import update

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("page_cache"),
]

HOME = reverse("roadmap:home")


def test_a_second_look_is_read_from_the_cache_and_shared_by_delegates(
    client, fra_delegate, deu_delegate, released_and_nato_only
):
    client.force_login(fra_delegate)
    first = client.get(HOME)
    client.force_login(deu_delegate)

    with CaptureQueriesContext(connection) as again:
        second = client.get(HOME)

    assert main_part(second) == main_part(first)
    # The session, the user and the version: the other nation's delegate shares the entry.
    assert len(again) <= 4
    assert "tracker_datachange" in again.captured_queries[-1]["sql"]


def test_a_status_update_shows_on_the_next_look(
    client, fra_delegate, secretariat_user, released_and_nato_only
):
    client.force_login(fra_delegate)
    before = holders_by_action(client.get(HOME).content)[released_and_nato_only.code]

    fra_part = released_and_nato_only.assignments.get(organisation__code="FRA")
    update(secretariat_user, fra_part, status=Status.ON_TRACK, progress=60)

    after = holders_by_action(client.get(HOME).content)[released_and_nato_only.code]
    assert before[0] == ("FRA", True, "status--blocked", "Blocked", "5%")
    assert after[0] == ("FRA", True, "status--on_track", "On track", "60%")


def test_a_reader_of_the_industry_release_never_gets_the_nato_view(
    client, fra_delegate, niag_member, released_and_nato_only
):
    client.force_login(fra_delegate)
    assert "Blocked" in main_part(client.get(HOME))

    client.force_login(niag_member)
    response = client.get(HOME)

    assert holders_by_action(response.content)[released_and_nato_only.code] == [
        ("FRA", True, "status--at_risk", "At risk", "20%"),
        ("DEU", False, "status--not_reported", "Not reported", NO_FIGURE),
    ]
    assert "Blocked" not in main_part(response)
