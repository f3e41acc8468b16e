"""Each person's private iCalendar feed of their deadlines.

The feed is read by calendar apps, which send no session: the secret in its address is the only
credential. It is 32 random bytes; only its SHA-256 is stored, so the database (and its JSON
export) holds nothing that opens a feed. Issuing a new address replaces the stored hash in the
same row, so the old address stops working at once; turning the feed off deletes the row.

Every event has a UID that depends only on what it is and whose feed it is, so a calendar app
that refreshes the feed updates its events instead of adding copies.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import policy
from roadmap.choices import Status
from roadmap.models import Assignment
from tracker.models import CalendarFeed, CycleState, CycleSubmission, ReviewCycle
from tracker.reminders import CalendarEvent, deadline_uid, ics_calendar
from tracker.selectors import CLOSED_STATUSES

TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters; anything much longer is not one of ours.
TOKEN_MAX_LENGTH = 64


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Services


def issue_calendar_feed(*, user) -> str:
    """A new secret address for the user's feed; any earlier one stops working in the same
    transaction. Returns the secret, which is never stored and cannot be shown again."""
    if not policy.can_have_calendar_feed(user):
        raise PermissionDenied(_("You have no deadlines to follow."))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        CalendarFeed.objects.update_or_create(
            user=user, defaults={"token_hash": _digest(token), "created_at": timezone.now()}
        )
    return token


def turn_off_calendar_feed(*, user) -> bool:
    """Returns whether there was a feed to turn off."""
    deleted, _rows = CalendarFeed.objects.filter(user_id=user.pk).delete()
    return bool(deleted)


# Selectors


def calendar_feed_of(*, user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user_id=user.pk).first()


def feed_owner(*, token: str):
    """The user whose live feed this secret opens, or None (unknown, revoked, or the owner
    may no longer read the roadmap). One query."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    digest = _digest(token)
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=digest).first()
    if feed is None or not hmac.compare_digest(feed.token_hash, digest):
        return None
    user = feed.user
    if not user.is_active or not policy.can_have_calendar_feed(user):
        return None
    return user


def _assignment_events(*, user, organisation_ids, site: str) -> list[CalendarEvent]:
    """All-day events on the due dates of the user's organisations' open assignments."""
    if not organisation_ids:
        return []
    assignments = (
        policy.visible_assignments(user)
        .filter(organisation_id__in=sorted(organisation_ids))
        .exclude(status__in=CLOSED_STATUSES)
        .annotate(effective_due_date=Coalesce("due_date", "action__due_date"))
        .filter(effective_due_date__isnull=False)
        .select_related("action", "organisation")
        .only(
            "pk",
            "due_date",
            "action__code",
            "action__title",
            "action__due_date",
            "organisation__code",
            "organisation__name",
        )
        .order_by("effective_due_date", "pk")
    )
    return [
        CalendarEvent(
            uid=f"assignment-{assignment.pk}-due-{user.pk}@roadmap-tracker",
            summary=_("Due: %(code)s %(title)s (%(organisation)s)")
            % {
                "code": assignment.action.code,
                "title": assignment.action.title,
                "organisation": assignment.organisation.code,
            },
            start=assignment.effective_due_date,
            url=site + reverse("worklist:edit", args=[assignment.pk]),
            description=_("Due date of %(organisation)s's assignment.")
            % {"organisation": assignment.organisation.name},
        )
        for assignment in assignments
    ]


def _cycles_including(*, cycles, organisation_ids) -> dict[int, int | None]:
    """{cycle id: the user's submission id in it, or None} for the cycles that ask one of the
    user's organisations for updates: an open one through its submissions, a planned one
    through the lines its organisations hold open assignments on."""
    included: dict[int, int | None] = {}
    if not organisation_ids:
        return included
    open_ids = [cycle.pk for cycle in cycles if cycle.state == CycleState.OPEN]
    if open_ids:
        for cycle_id, submission_id in CycleSubmission.objects.filter(
            cycle_id__in=open_ids, organisation_id__in=sorted(organisation_ids)
        ).values_list("cycle_id", "pk"):
            included.setdefault(cycle_id, submission_id)
    planned = [cycle for cycle in cycles if cycle.state == CycleState.PLANNED]
    if planned:
        held_lines = set(
            Assignment.objects.filter(organisation_id__in=sorted(organisation_ids))
            .exclude(status=Status.CANCELLED)
            .values_list("action__outcome__line_id", flat=True)
            .distinct()
        )
        for cycle in planned:
            scope = {line.pk for line in cycle.lines.all()}
            if held_lines and (not scope or scope & held_lines):
                included[cycle.pk] = None
    return included


def _cycle_events(*, user, organisation_ids, site: str) -> list[CalendarEvent]:
    cycles = list(
        ReviewCycle.objects.filter(state__in=[CycleState.OPEN, CycleState.PLANNED])
        .prefetch_related("lines")
        .order_by("deadline", "pk")
    )
    if not cycles:
        return []
    secretariat = policy.is_secretariat(user)
    included = _cycles_including(cycles=cycles, organisation_ids=organisation_ids)
    events = []
    for cycle in cycles:
        if not secretariat and cycle.pk not in included:
            continue
        submission_id = included.get(cycle.pk)
        if submission_id is not None:
            link = reverse("reviews:submission", args=[submission_id])
        else:
            link = reverse("reviews:detail", args=[cycle.pk])
        events.append(
            CalendarEvent(
                uid=deadline_uid(cycle=cycle, user=user),
                summary=_("Review deadline: %(title)s") % {"title": cycle.title},
                start=cycle.deadline,
                url=site + link,
            )
        )
        if secretariat:
            events.append(
                CalendarEvent(
                    uid=f"review-cycle-{cycle.pk}-close-{user.pk}@roadmap-tracker",
                    summary=_("Review closes: %(title)s") % {"title": cycle.title},
                    start=cycle.closes_at,
                    url=site + reverse("reviews:detail", args=[cycle.pk]),
                )
            )
    return events


def feed_events(*, user, site: str) -> list[CalendarEvent]:
    """What the user is expected to meet, and nothing they may not read. A bounded number of
    queries whatever the number of assignments (at most six)."""
    if not policy.can_have_calendar_feed(user):
        return []
    organisation_ids = policy.updatable_organisation_ids(user)
    return [
        *_cycle_events(user=user, organisation_ids=organisation_ids, site=site),
        *_assignment_events(user=user, organisation_ids=organisation_ids, site=site),
    ]


def feed_ics(*, user, site: str) -> str:
    """The whole feed, its text in the user's own language."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        events = feed_events(user=user, site=site)
        name = _("Roadmap deadlines")
    return ics_calendar(
        events,
        name=name,
        headers=("REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H"),
    )
