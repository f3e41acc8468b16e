"""In-app notifications: who is told of what, how each kind reads, and marking them read.

A notification stores its kind and parameters (titles, codes, counts), never prose: the text is
rendered with gettext when it is shown, in the language the reader uses at that moment, so one
row reads right in English and in French, follows a reader who switches language, and picks up
a corrected translation. The services whose event it tells of create it in their own
transaction, so a step that rolls back announces nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import policy
from accounts.choices import OrganisationKind, Role
from tracker import review_selectors
from tracker.models import (
    BestPracticeState,
    CycleSubmission,
    Notification,
    NotificationKind,
    ReminderKind,
    ReminderLog,
    ReviewCycle,
)

Kind = NotificationKind
# A comment or reason quoted in a notification is cut here; the full text is one click away.
QUOTE_MAX_LENGTH = 300
# The nav badge counts up to here and then shows "99+": the count stays one bounded query.
BADGE_CAP = 100
BEST_PRACTICE_KINDS = {
    BestPracticeState.SUBMITTED: Kind.BEST_PRACTICE_SUBMITTED,
    BestPracticeState.PUBLISHED: Kind.BEST_PRACTICE_PUBLISHED,
    BestPracticeState.RETURNED: Kind.BEST_PRACTICE_RETURNED,
    BestPracticeState.REJECTED: Kind.BEST_PRACTICE_REJECTED,
}


# Creating them


def notify(
    *,
    recipient_ids: Iterable[int],
    kind: str,
    params: dict,
    link: str = "",
    now: datetime | None = None,
    reminder_log: ReminderLog | None = None,
) -> list[Notification]:
    """One row per person, in one INSERT, in the caller's transaction."""
    now = now or timezone.now()
    return Notification.objects.bulk_create(
        Notification(
            recipient_id=recipient_id,
            kind=kind,
            params=params,
            link=link,
            created_at=now,
            reminder_log=reminder_log,
        )
        for recipient_id in sorted(set(recipient_ids))
    )


def _quote(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= QUOTE_MAX_LENGTH else text[: QUOTE_MAX_LENGTH - 1] + "…"


def secretariat_users() -> QuerySet:
    """Active secretariat staff: they get the escalations and the best-practice queue."""
    from accounts.models import User

    return (
        User.objects.filter(
            is_active=True,
            memberships__role=Role.SECRETARIAT,
            memberships__organisation__kind=OrganisationKind.SECRETARIAT,
            memberships__organisation__is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def notify_digest_sent(*, log: ReminderLog, context: dict, now: datetime | None = None) -> None:
    """One notification per digest. The OneToOne link to its ReminderLog row, written in the
    transaction that marks the row sent, keeps a retried send from telling twice."""
    cycle = log.cycle
    if log.kind == ReminderKind.ESCALATION:
        kind = Kind.ESCALATION
        count = len(context["late"])
        link = reverse("reviews:detail", args=[cycle.pk])
    else:
        kind = Kind.REMINDER_DIGEST
        count = len(context["items"])
        link = reverse("worklist:mine")
    notify(
        recipient_ids=[log.user_id],
        kind=kind,
        params={
            "cycle": cycle.title,
            "reminder": log.kind,
            "count": count,
            "deadline": cycle.deadline.isoformat(),
        },
        link=link,
        now=now,
        reminder_log=log,
    )


def notify_cycle_opened(*, cycle: ReviewCycle, now: datetime | None = None) -> None:
    """Everyone asked for updates, each pointed at their organisation's submission."""
    submissions = dict(
        CycleSubmission.objects.filter(cycle=cycle).values_list("organisation_id", "pk")
    )
    links: dict[int, str] = {}
    for membership in review_selectors.recipients_for(organisation_ids=submissions):
        links.setdefault(
            membership.user_id,
            reverse("reviews:submission", args=[submissions[membership.organisation_id]]),
        )
    params = {"cycle": cycle.title, "deadline": cycle.deadline.isoformat()}
    now = now or timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient_id=user_id, kind=Kind.CYCLE_OPENED, params=params, link=link, created_at=now
        )
        for user_id, link in sorted(links.items())
    )


def notify_submission_decided(
    *, submission: CycleSubmission, accepted: bool, reason: str = "", now=None
) -> None:
    """The members who answer for the organisation hear what the secretariat decided."""
    recipients = review_selectors.recipients_for(organisation_ids=[submission.organisation_id])
    notify(
        recipient_ids=[membership.user_id for membership in recipients],
        kind=Kind.SUBMISSION_ACCEPTED if accepted else Kind.SUBMISSION_RETURNED,
        params={
            "cycle": submission.cycle.title,
            "organisation": submission.organisation.code,
            "reason": _quote(reason),
        },
        link=reverse("reviews:submission", args=[submission.pk]),
        now=now,
    )


def notify_best_practice_step(
    *, best_practice, to_state: str, actor, comment: str = "", now=None
) -> None:
    """A submission goes to the secretariat's queue; a decision goes back to the author. Nobody
    is told of their own step."""
    kind = BEST_PRACTICE_KINDS.get(to_state)
    if kind is None:
        return
    if kind == Kind.BEST_PRACTICE_SUBMITTED:
        recipient_ids = list(secretariat_users().values_list("pk", flat=True))
    else:
        recipient_ids = [best_practice.author_id]
    notify(
        recipient_ids=[pk for pk in recipient_ids if pk != actor.pk],
        kind=kind,
        params={
            "title": best_practice.title,
            "organisation": best_practice.organisation.code,
            "comment": _quote(comment),
        },
        link=reverse("best_practices:detail", args=[best_practice.pk]),
        now=now,
    )


# Reading and marking


def notification_list(*, user) -> QuerySet[Notification]:
    return policy.visible_notifications(user).order_by("-created_at", "-pk")


def unread_count_expression(user: str = "pk") -> Coalesce:
    """The number of unread notifications of a user (the outer row's `user` column), for
    loading with the user (accounts.backends)."""
    unread = (
        Notification.objects.filter(recipient=OuterRef(user), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), Value(0))


def unread_count(*, user) -> int:
    """Counted up to BADGE_CAP, on the partial index of unread rows."""
    return (
        policy.visible_notifications(user)
        .filter(read_at__isnull=True)
        .order_by()[:BADGE_CAP]
        .count()
    )


def _own(*, user, notification_id) -> QuerySet[Notification]:
    if not str(notification_id).isdigit():
        raise Http404
    return policy.visible_notifications(user).filter(pk=int(notification_id))


def mark_notification_read(*, user, notification_id, now=None) -> Notification:
    """Someone else's notification, or none, is a 404. Marking twice keeps the first time."""
    own = _own(user=user, notification_id=notification_id)
    own.filter(read_at__isnull=True).update(read_at=now or timezone.now())
    notification = own.first()
    if notification is None:
        raise Http404
    return notification


def mark_all_notifications_read(*, user, now=None) -> int:
    return (
        policy.visible_notifications(user)
        .filter(read_at__isnull=True)
        .update(read_at=now or timezone.now())
    )


# How each kind reads


class _Params(dict):
    """A parameter missing from an old row reads as empty rather than breaking the page."""

    def __missing__(self, key):
        return ""


@dataclass(frozen=True)
class Rendered:
    title: str
    summary: str


def _when(value: str) -> str:
    moment = parse_datetime(value or "")
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def render(notification: Notification) -> Rendered:
    """The title and summary in the active language."""
    p = _Params(notification.params or {})
    count = p.get("count") if isinstance(p.get("count"), int) else 0
    kind = notification.kind
    if kind == Kind.REMINDER_DIGEST:
        reminder = p["reminder"]
        label = ReminderKind(reminder).label if reminder in ReminderKind.values else ""
        title = _("%(reminder)s: %(cycle)s") % _Params(reminder=label, cycle=p["cycle"])
        summary = ngettext(
            "%(count)d assignment awaits your update before the deadline (%(deadline)s).",
            "%(count)d assignments await your update before the deadline (%(deadline)s).",
            count,
        ) % {"count": count, "deadline": _when(p["deadline"])}
    elif kind == Kind.ESCALATION:
        title = _("Late updates in %(cycle)s") % p
        summary = ngettext(
            "%(count)d organisation has not updated everything since the deadline.",
            "%(count)d organisations have not updated everything since the deadline.",
            count,
        ) % {"count": count}
    elif kind == Kind.CYCLE_OPENED:
        title = _("Review cycle opened: %(cycle)s") % p
        summary = _(
            "Update your organisation's assignments before the deadline (%(deadline)s)."
        ) % {"deadline": _when(p["deadline"])}
    elif kind == Kind.SUBMISSION_ACCEPTED:
        title = _("Submission of %(organisation)s accepted") % p
        summary = _("The secretariat accepted the answer to %(cycle)s.") % p
    elif kind == Kind.SUBMISSION_RETURNED:
        title = _("Submission of %(organisation)s returned") % p
        summary = _("The secretariat returned the answer to %(cycle)s: %(reason)s") % p
    elif kind == Kind.BEST_PRACTICE_SUBMITTED:
        title = _("Best practice to review: %(title)s") % p
        summary = _("Submitted by %(organisation)s.") % p
    elif kind == Kind.BEST_PRACTICE_PUBLISHED:
        title = _("Your best practice is published: %(title)s") % p
        summary = p["comment"]
    elif kind == Kind.BEST_PRACTICE_RETURNED:
        title = _("Your best practice was returned to you: %(title)s") % p
        summary = p["comment"]
    elif kind == Kind.BEST_PRACTICE_REJECTED:
        title = _("Your best practice was rejected: %(title)s") % p
        summary = p["comment"]
    else:
        title, summary = str(notification.get_kind_display()), ""
    return Rendered(title=title, summary=summary)


def with_text(notifications: Iterable[Notification]) -> list[Notification]:
    """Each row with `title` and `summary` set for the page and the API."""
    rows = list(notifications)
    for notification in rows:
        text = render(notification)
        notification.title, notification.summary = text.title, text.summary
    return rows
