"""Search and filters: one selector, full-text on PostgreSQL, word matching on SQLite."""

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.choices import Releasability
from tests.best_practices.conftest import draft, published
from tracker import best_practice_selectors as selectors
from tracker import best_practices as services
from tracker.models import BestPractice


@pytest.fixture
def shelf(fra_delegate, deu_delegate, fra, deu, secretariat_user, action, gallium):
    magnets = published(
        fra_delegate,
        fra,
        secretariat_user,
        title="Closing the loop on magnets",
        summary="A take-back scheme.",
        body="Defence suppliers return worn actuators so their neodymium is recovered.",
        actions=[action],
        lines=[action.outcome.line],
        tags=["recycling"],
    )
    gallium_reserve = published(
        deu_delegate,
        deu,
        secretariat_user,
        title="A shared gallium reserve",
        body="Stockpiling agreements between two Allies.",
        materials=[gallium],
        tags=["stockpiling"],
        releasability=Releasability.PUBLIC,
    )
    return {"magnets": magnets, "gallium": gallium_reserve}


def test_the_library_finds_a_word_of_the_body(client, shelf, observer):
    client.force_login(observer)

    response = client.get(reverse("best_practices:library"), {"q": "neodymium"})

    assert "Closing the loop on magnets" in response.content.decode()
    assert "A shared gallium reserve" not in response.content.decode()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"tag": "recycling"}, {"magnets"}),
        ({"material": "gallium"}, {"gallium"}),
        ({"organisation": "DEU"}, {"gallium"}),
        ({"releasability": "public"}, {"gallium"}),
        ({"published_after": "2000-01-01"}, {"magnets", "gallium"}),
        ({"published_before": "2000-01-01"}, set()),
    ],
)
def test_filters_narrow_the_library(client, shelf, observer, action, filters, expected):
    client.force_login(observer)

    response = client.get(reverse("best_practices:library"), filters)

    assert response.status_code == 200
    shown = {key for key, bp in shelf.items() if bp.title in response.content.decode()}
    assert shown == expected


def test_line_and_action_filters(client, shelf, observer, action):
    client.force_login(observer)
    for name, value in (("line", action.outcome.line.code), ("action", action.code)):
        response = client.get(reverse("best_practices:library"), {name: value})
        assert "Closing the loop on magnets" in response.content.decode()
        assert "A shared gallium reserve" not in response.content.decode()


def test_an_unknown_filter_value_is_a_clear_400(client, shelf, observer):
    client.force_login(observer)
    api = APIClient()
    api.force_authenticate(observer)

    page = client.get(reverse("best_practices:library"), {"material": "unobtainium"})
    answer = api.get("/api/v1/best-practices/", {"published_after": "yesterday"})

    assert page.status_code == 400
    assert "Select a valid choice." in page.content.decode()
    assert answer.status_code == 400
    assert "published_after" in answer.data


def test_the_search_selector_ignores_blank_text(shelf, observer):
    queryset = selectors.library(user=observer)

    assert selectors.search_best_practices(queryset, text="   ").count() == 2


@pytest.mark.postgres
def test_full_text_search_on_postgresql_finds_a_body_word_and_its_stem(
    fra_delegate, fra, secretariat_user, observer
):
    assert connection.vendor == "postgresql"
    target = published(
        fra_delegate,
        fra,
        secretariat_user,
        title="Shared warehouses",
        body="Allies coordinate the stockpiling of germanium wafers.",
    )
    published(fra_delegate, fra, secretariat_user, title="Other", body="Nothing relevant.")
    library = selectors.library(user=observer)

    assert list(selectors.search_best_practices(library, text="germanium")) == [target]
    # Stemming: "stockpiled" finds "stockpiling"; web-search syntax excludes with "-"
    assert list(selectors.search_best_practices(library, text="stockpiled")) == [target]
    assert list(selectors.search_best_practices(library, text="germanium -wafers")) == []
    # An edit is searchable at once: the trigger recomputes the vector on every write
    mine = draft(fra_delegate, fra, body="Nothing yet.")
    services.update_best_practice(
        user=fra_delegate, best_practice_id=mine.pk, body="Recycled cobalt."
    )
    own = selectors.own_best_practices(user=fra_delegate)
    assert list(selectors.search_best_practices(own, text="cobalt")) == [mine]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'tracker_best_practice_search'"
        )
        assert "gin" in cursor.fetchone()[0].lower()


@pytest.mark.postgres
def test_full_text_search_can_use_the_gin_index(fra_delegate, fra, secretariat_user):
    """On a handful of rows the planner prefers other plans; with sequential scans off, the
    search condition itself must be answerable from the GIN index."""
    published(fra_delegate, fra, secretariat_user, body="germanium")
    queryset = selectors.search_best_practices(BestPractice.objects.all(), text="germanium")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = queryset.explain()
        cursor.execute("SET enable_seqscan = on")

    assert "tracker_best_practice_search" in plan
