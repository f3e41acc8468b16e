"""On PostgreSQL the action item page's body is kept against the data version, like the
dashboard's: a second look costs a few queries, a write shows on the next look, readers who
may see different things never share it, and a page with a form's errors is never kept."""

import pytest
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from accounts.choices import Releasability, Role
from roadmap.choices import Status
from roadmap.models import ActionItem, Assignment
from tests import factories
from tests.best_practices.conftest import published
from tests.pages.page_html import find_all, main_part, text
from tests.pages_daily.data import update
from tracker.models import BestPractice

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("page_cache"),
]

CODE = "LOE-1.KO-1.A-1"
PAGE = reverse("roadmap:action", args=[CODE])
UPDATE_LINK = f'href="{reverse("worklist:mine")}?action={CODE}"'


def fra_part() -> Assignment:
    return Assignment.objects.get(action__code=CODE, organisation__code="FRA")


def timeline(response) -> list[str]:
    return [text(item) for item in find_all(parse_html(response.text), "timeline__item")]


def test_a_second_look_is_read_from_the_cache(client, secretariat_user, roadmap):
    client.force_login(secretariat_user)
    with CaptureQueriesContext(connection) as first:
        before = client.get(PAGE)
    with CaptureQueriesContext(connection) as second:
        again = client.get(PAGE)

    assert main_part(again) == main_part(before)
    assert len(first) >= 10
    # The session, the user, the second factor's device, the action, the version and the
    # best practices, which are read per reader.
    assert len(second) <= 6
    assert any("tracker_datachange" in query["sql"] for query in second.captured_queries)


def test_a_status_update_shows_on_the_next_look(client, secretariat_user, fra_delegate, roadmap):
    client.force_login(secretariat_user)
    client.get(PAGE)

    update(fra_delegate, fra_part(), status=Status.OFF_TRACK, narrative="Supplier went bust.")

    response = client.get(PAGE)
    assert "Supplier went bust." in timeline(response)[0]
    assertContains(response, "status--off_track")


def test_readers_of_the_industry_release_never_get_the_nato_view(
    client, secretariat_user, fra_delegate, niag_member, roadmap
):
    update(
        fra_delegate,
        fra_part(),
        status=Status.AT_RISK,
        narrative="Shared with industry.",
        releasability=Releasability.INDUSTRY,
    )
    update(fra_delegate, fra_part(), status=Status.BLOCKED, narrative="NATO ONLY: withheld.")
    client.force_login(secretariat_user)
    assertContains(client.get(PAGE), "NATO ONLY: withheld.")

    client.force_login(niag_member)
    response = client.get(PAGE)

    assertNotContains(response, "NATO ONLY")
    assert "Shared with industry." in timeline(response)[0]


def test_only_a_holder_delegate_gets_the_worklist_link(client, fra_delegate, observer, roadmap):
    client.force_login(fra_delegate)
    assertContains(client.get(PAGE), UPDATE_LINK)

    # An observer of the same nation reads the page but updates nothing.
    client.force_login(observer)
    assertNotContains(client.get(PAGE), UPDATE_LINK)


def test_best_practices_are_read_for_each_reader(
    client, secretariat_user, niag_member, roadmap, niag
):
    other_member = factories.member(niag, Role.INDUSTRY_MEMBER, email="niag-2@example.org")
    own = published(
        niag_member,
        niag,
        secretariat_user,
        title="Our own, now for Allies only",
        releasability=Releasability.INDUSTRY,
        actions=[ActionItem.objects.get(code=CODE)],
    )
    # Marked NATO only since: its author still reads it (their own), other members do not.
    BestPractice.objects.filter(pk=own.pk).update(releasability=Releasability.NATO)
    client.force_login(niag_member)
    assertContains(client.get(PAGE), own.title)

    # Same view key, so the body is shared; the author's own practice is not.
    client.force_login(other_member)
    assertNotContains(client.get(PAGE), own.title)


def test_a_page_with_a_forms_errors_is_never_kept(client, secretariat_user, roadmap):
    client.force_login(secretariat_user)
    client.get(PAGE)

    refused = client.post(reverse("roadmap:action-assign", args=[CODE]), {"organisation": ""})
    assert refused.status_code == 400
    assertContains(refused, "This field is required.", status_code=400)

    assertNotContains(client.get(PAGE), "This field is required.")


def test_a_kept_page_of_an_action_renamed_since_is_not_found(client, secretariat_user, roadmap):
    client.force_login(secretariat_user)
    assert client.get(PAGE).status_code == 200

    ActionItem.objects.filter(code=CODE).update(code="LOE-1.KO-1.A-99")

    assert client.get(PAGE).status_code == 404
    assert client.get(reverse("roadmap:action", args=["LOE-1.KO-1.A-99"])).status_code == 200
