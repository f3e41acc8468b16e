"""Query counts of the library, the review queue, the own list, the export and the API list
stay the same with 5 rows and with 200+."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.choices import Releasability
from tracker.models import BestPractice, BestPracticeState, BestPracticeTag


def add_rows(count, *, author, organisation, line, gallium, state):
    """Rows in bulk (the workflow itself is tested elsewhere), each with a tag, a line and a
    material so every prefetch has work to do."""
    now = timezone.now()
    tag, _created = BestPracticeTag.objects.get_or_create(name="bulk")
    start = BestPractice.objects.count()
    rows = BestPractice.objects.bulk_create(
        BestPractice(
            title=f"Practice {start + n}",
            summary="Summary",
            body="Body",
            organisation=organisation,
            author=author,
            releasability=Releasability.INDUSTRY,
            state=state,
            submitted_at=now,
            published_at=now if state == BestPracticeState.PUBLISHED else None,
        )
        for n in range(count)
    )
    for row in rows:
        row.tags.add(tag)
        row.lines.add(line)
        row.materials.add(gallium)


def count_queries(fetch) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = fetch()
        if response.streaming:  # a CSV download reads its rows while it is sent
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries), [query["sql"] for query in queries.captured_queries]


PAGES = {
    "library": ("secretariat_user", BestPracticeState.PUBLISHED, "page"),
    "library-csv": ("secretariat_user", BestPracticeState.PUBLISHED, "page"),
    "queue": ("secretariat_user", BestPracticeState.SUBMITTED, "page"),
    "mine": ("fra_delegate", BestPracticeState.DRAFT, "page"),
    "api": ("niag_member", BestPracticeState.PUBLISHED, "api"),
}


@pytest.mark.parametrize("name", PAGES)
def test_query_count_does_not_grow_with_rows(
    request, client, fra_delegate, fra, niag, line, gallium, name
):
    reader_name, state, kind = PAGES[name]
    reader = request.getfixturevalue(reader_name)
    api = APIClient()
    api.force_authenticate(reader)
    client.force_login(reader)

    def fetch():
        if kind == "api":
            return api.get("/api/v1/best-practices/", {"page_size": 200})
        return client.get(reverse(f"best_practices:{name}"))

    def add(count):
        add_rows(
            count, author=fra_delegate, organisation=fra, line=line, gallium=gallium, state=state
        )

    add(5)
    fetch()  # warm per-process caches (content types, sessions)
    few, _sql = count_queries(fetch)
    add(205)
    many, sql = count_queries(fetch)

    assert many == few, "\n".join(sql)
    # The library's 11: 4 for any signed-in request, the count, the 4 filter drop-downs, the
    # rows, and their lines, materials and tags in one.
    assert few <= 12, "\n".join(sql)
