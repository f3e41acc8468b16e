"""Walking the assignment list page by page gives every row once, in the list's order, on the
API and on the "all assignments" page alike (a page near an end is read directly, a deeper one
sorts only ids to choose its rows)."""

import re
from datetime import date

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roadmap.models import Assignment
from roadmap.pagination import DeferredJoinPaginator
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(fra, deu, dipb, niag):
    line = factories.LineOfEffortFactory(number=1)
    outcome = factories.KeyOutcomeFactory(line=line, number=1)
    for number in range(1, 18):
        action = factories.ActionItemFactory(outcome=outcome, number=number)
        for place, organisation in enumerate((niag, fra, dipb, deu)):
            # Ties (progress), and due dates that are missing, for the sorts below.
            factories.AssignmentFactory(
                action=action,
                organisation=organisation,
                progress=(number * place) % 3 * 10,
                due_date=None if (number + place) % 4 else date(2027, 1, number),
            )
    return Assignment.objects.count()


def expected_order() -> list[int]:
    return list(
        Assignment.objects.order_by("action__code", "organisation__code").values_list(
            "pk", flat=True
        )
    )


def test_the_api_pages_hold_every_row_once_in_order(client_as, many):
    api = client_as("fra_delegate")
    seen, url = [], "/api/v1/assignments/?page_size=7"
    while url:
        body = api.get(url).json()
        assert body["count"] == many
        seen += [row["id"] for row in body["results"]]
        url = body["next"]

    assert seen == expected_order()


def test_a_page_beyond_the_last_or_not_a_number_is_a_404(client_as, many):
    api = client_as("fra_delegate")
    assert api.get("/api/v1/assignments/?page=99").status_code == 404
    assert api.get("/api/v1/assignments/?page=zero").status_code == 404


def test_the_all_assignments_page_walks_the_same_order(client, secretariat_user, many):
    client.force_login(secretariat_user)
    seen, page = [], 1
    while True:
        html = client.get(reverse("worklist:all"), {"page": page}).content.decode()
        ids = [int(pk) for pk in re.findall(r'id="assignment-(\d+)"', html)]
        if not ids or (seen and ids[0] in seen):
            break
        seen += ids
        page += 1

    assert seen == expected_order()


def test_a_deep_page_is_one_query_that_sorts_only_ids_to_choose_it(many):
    rows = Assignment.objects.select_related("action", "organisation").order_by(
        "action__code", "organisation__code"
    )
    paginator = DeferredJoinPaginator(rows, 5)
    paginator.direct_below = 0
    assert paginator.count == many

    with CaptureQueriesContext(connection) as queries:
        page = list(paginator.page(paginator.num_pages))

    assert [row.pk for row in page] == expected_order()[(paginator.num_pages - 1) * 5 :]
    assert len(queries) == 1
    inner = queries[0]["sql"].split(" IN (SELECT ", 1)[1]
    assert "LIMIT" in inner and '"roadmap_actionitem"."title"' not in inner


@pytest.mark.parametrize(
    "order",
    [
        ("action__code", "organisation__code"),
        ("-progress", "action__code", "organisation__code", "pk"),
        ("due_date", "pk"),
        ("-due_date", "-pk"),
    ],
)
@pytest.mark.parametrize("per_page, orphans", [(5, 0), (7, 3), (68, 0)])
@pytest.mark.parametrize("direct_below", [0, 10, 1000])
def test_every_page_holds_the_rows_of_a_plain_offset_whichever_end_it_counts_from(
    many, order, per_page, orphans, direct_below
):
    rows = Assignment.objects.order_by(*order)
    plain = Paginator(rows, per_page, orphans=orphans)
    deferred = DeferredJoinPaginator(rows, per_page, orphans=orphans)
    deferred.direct_below = direct_below
    assert deferred.num_pages == plain.num_pages

    for number in plain.page_range:
        assert [row.pk for row in deferred.page(number)] == [
            row.pk for row in plain.page(number)
        ], f"page {number}"


def test_the_last_page_sorts_its_ids_from_the_end_without_skipping_any(many):
    rows = Assignment.objects.order_by("action__code", "organisation__code")
    paginator = DeferredJoinPaginator(rows, 5)
    paginator.direct_below = 0
    assert paginator.count == many

    with CaptureQueriesContext(connection) as first:
        paginator.page(1)
    with CaptureQueriesContext(connection) as last:
        paginator.page(paginator.num_pages)

    first_ids = first[0]["sql"].split(" IN (SELECT ", 1)[1]
    last_ids = last[0]["sql"].split(" IN (SELECT ", 1)[1]
    assert "DESC" not in first_ids and "DESC" in last_ids
    assert "OFFSET" not in last_ids


def test_pages_near_either_end_are_read_directly_and_deeper_ones_choose_ids_first(many):
    rows = Assignment.objects.select_related("action").order_by(
        "action__code", "organisation__code"
    )
    paginator = DeferredJoinPaginator(rows, 5)
    paginator.direct_below = 10
    middle = paginator.num_pages // 2

    read = {}
    for number in (1, 2, 3, middle, paginator.num_pages - 2, paginator.num_pages):
        with CaptureQueriesContext(connection) as queries:
            paginator.page(number)
        assert len(queries) == 1
        read[number] = queries[0]["sql"]

    # Ten rows skipped or more, from the nearer end: ids first.
    assert [number for number, sql in read.items() if " IN (SELECT " in sql] == [3, middle]
    # The last page reads its rows from the end, with every column, and skips none.
    last = read[paginator.num_pages]
    assert "DESC" in last and "OFFSET" not in last
    assert '"roadmap_actionitem"."title"' in last
    assert "DESC" not in read[1] and "OFFSET" not in read[1]
