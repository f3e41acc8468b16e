"""Who gets which review digest on which day, and what the e-mail says.

Days are counted in the recipient's own time zone: "2 days before the deadline" is the
recipient's calendar date two days before the deadline's date where they are.
"""

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import ReminderFrequency
from tracker.models import ReminderKind, ReviewCycle

# Kinds a person's preference cannot turn off.
DEADLINE_KINDS = {ReminderKind.DEADLINE, ReminderKind.OVERDUE}


def user_zone(user) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_date(moment: datetime, zone) -> date:
    return moment.astimezone(zone).date()


@dataclass(frozen=True)
class DayInCycle:
    today: date
    deadline_day: date
    opened_on: date | None

    @property
    def days_to_deadline(self) -> int:
        return (self.deadline_day - self.today).days

    @property
    def opened_today(self) -> bool:
        return self.opened_on == self.today

    def day_before(self) -> "DayInCycle":
        return replace(self, today=self.today - timedelta(days=1))


def day_in_cycle(*, cycle: ReviewCycle, now: datetime, zone) -> DayInCycle:
    return DayInCycle(
        today=local_date(now, zone),
        deadline_day=local_date(cycle.deadline, zone),
        opened_on=local_date(cycle.opened_at, zone) if cycle.opened_at else None,
    )


def digest_kind(*, cycle: ReviewCycle, day: DayInCycle, frequency: str) -> str | None:
    """The member digest due on this day, if any. The deadline-day and overdue digests go to
    everyone; the opening and early reminders only to those who want every reminder."""
    every = max(cycle.overdue_every_days, 1)
    kind = None
    if day.days_to_deadline == 0:
        kind = ReminderKind.DEADLINE
    elif day.days_to_deadline < 0 and -day.days_to_deadline % every == 0:
        kind = ReminderKind.OVERDUE
    elif day.days_to_deadline > 0 and day.days_to_deadline in set(cycle.reminder_days_before):
        kind = ReminderKind.BEFORE_DEADLINE
    elif day.opened_today and day.days_to_deadline > 0:
        kind = ReminderKind.OPENING
    if kind and frequency == ReminderFrequency.DEADLINE_ONLY and kind not in DEADLINE_KINDS:
        return None
    return kind


def escalation_kind(*, cycle: ReviewCycle, day: DayInCycle) -> str | None:
    """The secretariat's escalation: the day after the deadline, then on each overdue
    reminder day."""
    days_late = -day.days_to_deadline
    every = max(cycle.overdue_every_days, 1)
    if days_late == 1 or (days_late > 1 and days_late % every == 0):
        return ReminderKind.ESCALATION
    return None


def missed_kind(*, day: DayInCycle, kind_on: Callable[..., str | None]) -> str | None:
    """Yesterday's digest, for a day with none of its own: when no pass could send it (the
    worker was down), the first pass of the next day does, once. Only one day late: an older
    reminder is dropped rather than sent out of step. A deadline digest that comes the day
    after says so: it goes as the first overdue one."""
    yesterday = day.day_before()
    if yesterday.opened_on is None or yesterday.today < yesterday.opened_on:
        return None
    kind = kind_on(day=yesterday)
    return ReminderKind.OVERDUE if kind == ReminderKind.DEADLINE else kind


# The e-mail


@dataclass(frozen=True)
class CalendarEvent:
    """One VEVENT. A `date` start makes an all-day event; a `datetime` one is written in UTC."""

    uid: str
    summary: str
    start: date | datetime
    end: date | datetime | None = None
    url: str = ""
    description: str = ""


def _ics_moment(value: date | datetime, name: str) -> str:
    if isinstance(value, datetime):
        return f"{name}:" + value.astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
    return f"{name};VALUE=DATE:" + value.strftime("%Y%m%d")


def ics_calendar(
    events: list[CalendarEvent], *, name: str = "", headers: tuple[str, ...] = ()
) -> str:
    """A calendar (RFC 5545) with CRLF line endings; the digest attachment and the private feed
    both come from here. `name` is what calendar apps call a subscribed calendar."""
    stamp = timezone.now().astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Supply Chain Security Roadmap Tracker//Reviews//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *([f"X-WR-CALNAME:{_ics_text(name)}"] if name else []),
        *headers,
    ]
    for event in events:
        end = event.end
        if end is None:
            end = (
                event.start
                if isinstance(event.start, datetime)
                else event.start + timedelta(days=1)
            )
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{stamp}",
            _ics_moment(event.start, "DTSTART"),
            _ics_moment(end, "DTEND"),
            f"SUMMARY:{_ics_text(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{_ics_text(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def deadline_uid(*, cycle: ReviewCycle, user) -> str:
    """The deadline's UID for one person: the digest attachment and the feed share it, so a
    calendar that has both keeps one event."""
    return f"review-cycle-{cycle.pk}-{user.pk}@roadmap-tracker"


def deadline_ics(*, cycle: ReviewCycle, user) -> str:
    """A one-event calendar with the deadline."""
    summary = translation.gettext("Review deadline: %(title)s") % {"title": cycle.title}
    event = CalendarEvent(
        uid=deadline_uid(cycle=cycle, user=user), summary=summary, start=cycle.deadline
    )
    return ics_calendar([event])


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 3.1: lines longer than 75 octets continue on the next line after a space."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " "
        current += char
    out.append(current)
    return "\r\n".join(out)


def worklist_url() -> str:
    return settings.REVIEW_SITE_URL.rstrip("/") + settings.REVIEW_WORKLIST_URL


def build_digest(*, user, cycle: ReviewCycle, kind: str, context: dict) -> EmailMultiAlternatives:
    """The digest in the recipient's language and time zone, with the deadline as .ics."""
    zone = user_zone(user)
    with translation.override(user.language or settings.LANGUAGE_CODE), timezone.override(zone):
        context = {
            **context,
            "user": user,
            "cycle": cycle,
            "kind": kind,
            "deadline": cycle.deadline.astimezone(zone),
            "zone": str(zone),
            "worklist_url": worklist_url(),
        }
        template = "escalation" if kind == ReminderKind.ESCALATION else "digest"
        subject = " ".join(
            render_to_string(f"tracker/email/{template}_subject.txt", context).split()
        )
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"tracker/email/{template}.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
        message.attach_alternative(
            render_to_string(f"tracker/email/{template}.html", context), "text/html"
        )
        message.attach(
            "review-deadline.ics",
            deadline_ics(cycle=cycle, user=user),
            "text/calendar; charset=utf-8; method=PUBLISH",
        )
    return message
