"""Reads of best practices: the library, the review queue, an author's own, one detail, and the
one search used by all of them. Every queryset starts from policy.visible_best_practices, so
a reader never meets one they may not read (an industry member never a NATO-only one)."""

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import CharField, F, Prefetch, Q, QuerySet, Value

from accounts import policy
from tracker.models import BestPractice, BestPracticeState, BestPracticeTransition

SEARCH_CONFIG = "english"


def _with_relations(queryset: QuerySet[BestPractice]) -> QuerySet[BestPractice]:
    """What a list row shows, in a fixed number of queries whatever the number of rows."""
    return queryset.select_related("organisation", "author").prefetch_related(
        "tags", "lines", "materials"
    )


def with_link_labels(rows: list[BestPractice]) -> list[BestPractice]:
    """Gives each row what its list entry shows of its links, read from the three link tables
    in one query instead of three prefetches: `line_labels` ((code, title), in line order),
    `material_labels` and `tag_labels` (names, in alphabetical order)."""
    ids = [row.pk for row in rows]
    text = CharField()

    def labels(field: str, name: str, title: str | Value, order: str | Value):
        through = getattr(BestPractice, field).through
        return through.objects.filter(bestpractice_id__in=ids).values_list(
            Value(field, output_field=text), "bestpractice_id", name, title, order
        )

    links = labels(
        "lines", "lineofeffort__code", "lineofeffort__title", "lineofeffort__number"
    ).union(
        labels("materials", "criticalmaterial__name", Value("", output_field=text), Value(0)),
        labels("tags", "bestpracticetag__name", Value("", output_field=text), Value(0)),
        all=True,
    )
    found: dict[tuple[str, int], list] = {}
    for field, pk, name, title, _order in sorted(links, key=lambda link: (link[4], link[2])):
        found.setdefault((field, pk), []).append((name, title) if field == "lines" else name)
    for row in rows:
        row.line_labels = found.get(("lines", row.pk), [])
        row.material_labels = found.get(("materials", row.pk), [])
        row.tag_labels = found.get(("tags", row.pk), [])
    return rows


def search_best_practices(queryset: QuerySet[BestPractice], *, text: str) -> QuerySet[BestPractice]:
    """Narrows a queryset to the rows matching `text`, best matches first.

    PostgreSQL: full-text search (stemmed English, web-search syntax: quotes, `or`, `-word`)
    on the trigger-maintained, GIN-indexed vector of title, summary and body. Elsewhere (the
    SQLite first run): every word must appear in the title, summary or body."""
    text = " ".join((text or "").split())
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        return (
            queryset.filter(search_vector=query)
            .annotate(search_rank=SearchRank(F("search_vector"), query))
            .order_by("-search_rank", "-published_at", "-pk")
        )
    for word in text.split()[:10]:
        queryset = queryset.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
        )
    return queryset


def library(*, user) -> QuerySet[BestPractice]:
    """Published best practices the user may read, newest first."""
    return _with_relations(
        policy.visible_best_practices(user).filter(state=BestPracticeState.PUBLISHED)
    ).order_by("-published_at", "-pk")


def review_queue(*, user) -> QuerySet[BestPractice]:
    """Submissions waiting for the secretariat, oldest first; empty for everyone else."""
    if not policy.can_review_best_practice(user):
        return BestPractice.objects.none()
    return _with_relations(
        policy.visible_best_practices(user).filter(
            state__in=[BestPracticeState.SUBMITTED, BestPracticeState.UNDER_REVIEW]
        )
    ).order_by("submitted_at", "pk")


def own_best_practices(*, user) -> QuerySet[BestPractice]:
    """Everything the user wrote, in every state, most recently changed first."""
    return _with_relations(policy.visible_best_practices(user).filter(author_id=user.pk)).order_by(
        "-updated_at", "-pk"
    )


def best_practice_list(*, user) -> QuerySet[BestPractice]:
    """Everything the user may see (the API's list): the library, their own, and for the
    secretariat the submissions."""
    return _with_relations(policy.visible_best_practices(user)).order_by(
        F("published_at").desc(nulls_last=True), "-pk"
    )


def best_practice_detail(*, user, pk: int) -> BestPractice | None:
    """One best practice with everything its page shows, or None when the user may not see it."""
    return (
        policy.visible_best_practices(user)
        .select_related("organisation", "author")
        .prefetch_related(
            "tags",
            "lines",
            "actions",
            "materials",
            "attachments",
            Prefetch(
                "transitions",
                queryset=BestPracticeTransition.objects.select_related("actor"),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def related_best_practices(*, user, action_code=None, line=None, limit: int = 10):
    """Published best practices the user may read that name this action (by its code: the
    action page may have no action object in hand) or line."""
    published = library(user=user)
    if action_code is not None:
        published = published.filter(actions__code=action_code)
    if line is not None:
        published = published.filter(lines=line)
    return list(published.distinct()[:limit])
