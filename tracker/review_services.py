"""Review cycles: planning, the forward-only transitions, submissions, assessments, and the
schedule pass that opens, closes and reminds.

Every write checks permission through accounts.policy and raises PermissionDenied, Http404 or
a ValidationError keyed by field; nothing is written when one is raised.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.choices import UPDATING_ROLES
from accounts.models import Membership, ReminderFrequency
from roadmap.choices import Status
from tracker import notifications, reminders
from tracker import review_selectors as selectors
from tracker.models import (
    CycleState,
    CycleSubmission,
    ReminderKind,
    ReminderLog,
    ReviewCycle,
    ReviewSnapshot,
    SecretariatAssessment,
    SubmissionEvent,
    SubmissionState,
)
from tracker.selectors import overdue_q, stale_q

logger = logging.getLogger(__name__)

TITLE_MAX_LENGTH = 200
COMMENT_MAX_LENGTH = 5_000
# Any stable 64-bit number: the key of the PostgreSQL advisory lock around the schedule pass.
SCHEDULE_LOCK_KEY = 5_204_117_001
SUBMITTABLE = {
    SubmissionState.NOT_STARTED,
    SubmissionState.DRAFT,
    SubmissionState.LATE,
    SubmissionState.RETURNED,
}


def _require_manager(user) -> None:
    if not policy.can_manage_review_cycles(user):
        raise PermissionDenied(_("Only the secretariat may manage review cycles."))


# Planning and transitions


def _check_cycle_values(
    *, title, opens_at, deadline, closes_at, reminder_days_before, overdue_every_days
) -> None:
    errors: dict[str, list[str]] = {}
    if not isinstance(title, str) or not title.strip():
        errors["title"] = [_("A title is required.")]
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [_("At most %(max)d characters.") % {"max": TITLE_MAX_LENGTH}]
    for name, value in (("opens_at", opens_at), ("deadline", deadline), ("closes_at", closes_at)):
        if not isinstance(value, datetime) or timezone.is_naive(value):
            errors[name] = [_("A date and time with a time zone is required.")]
    if not errors.keys() & {"opens_at", "deadline", "closes_at"}:
        if not opens_at < deadline:
            errors["deadline"] = [_("The deadline must come after the opening.")]
        elif not deadline <= closes_at:
            errors["closes_at"] = [_("The cycle cannot close before its deadline.")]
    if (
        not isinstance(reminder_days_before, list | tuple)
        or any(
            isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 365
            for day in reminder_days_before
        )
        or len(set(reminder_days_before)) != len(reminder_days_before)
    ):
        errors["reminder_days_before"] = [
            _("A list of different whole numbers of days, each from 1 to 365.")
        ]
    if (
        isinstance(overdue_every_days, bool)
        or not isinstance(overdue_every_days, int)
        or not 1 <= overdue_every_days <= 60
    ):
        errors["overdue_every_days"] = [_("A whole number of days from 1 to 60.")]
    if errors:
        raise ValidationError(errors)


def plan_review_cycle(
    *,
    user,
    title: str,
    opens_at: datetime,
    deadline: datetime,
    closes_at: datetime,
    lines: Iterable = (),
    reminder_days_before=(7, 2),
    overdue_every_days: int = 3,
) -> ReviewCycle:
    _require_manager(user)
    reminder_days_before = list(reminder_days_before)
    _check_cycle_values(
        title=title,
        opens_at=opens_at,
        deadline=deadline,
        closes_at=closes_at,
        reminder_days_before=reminder_days_before,
        overdue_every_days=overdue_every_days,
    )
    with transaction.atomic():
        cycle = ReviewCycle.objects.create(
            title=title.strip(),
            opens_at=opens_at,
            deadline=deadline,
            closes_at=closes_at,
            reminder_days_before=sorted(reminder_days_before, reverse=True),
            overdue_every_days=overdue_every_days,
            created_by=user,
        )
        cycle.lines.set(list(lines))
    return cycle


def _lock_cycle(cycle_id: int) -> ReviewCycle:
    return ReviewCycle.objects.select_for_update().get(pk=cycle_id)


def update_review_cycle(*, user, cycle: ReviewCycle, **changes) -> ReviewCycle:
    """Everything may change while planned; once open, only the deadline and closing move,
    and only later; a closed cycle is frozen."""
    _require_manager(user)
    allowed = {
        "title",
        "opens_at",
        "deadline",
        "closes_at",
        "lines",
        "reminder_days_before",
        "overdue_every_days",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    with transaction.atomic():
        locked = _lock_cycle(cycle.pk)
        if locked.state == CycleState.CLOSED:
            raise ValidationError({"state": [_("A closed cycle cannot be changed.")]})
        if locked.state == CycleState.OPEN:
            errors = {}
            for name in set(changes) - {"deadline", "closes_at"}:
                errors[name] = [_("Only the deadline and the closing move once a cycle is open.")]
            for name in {"deadline", "closes_at"} & set(changes):
                value = changes[name]
                if isinstance(value, datetime) and value < getattr(locked, name):
                    errors[name] = [_("An open cycle's dates may only move later.")]
            if errors:
                raise ValidationError(errors)
        lines = changes.pop("lines", None)
        values = {
            "title": locked.title,
            "opens_at": locked.opens_at,
            "deadline": locked.deadline,
            "closes_at": locked.closes_at,
            "reminder_days_before": list(locked.reminder_days_before),
            "overdue_every_days": locked.overdue_every_days,
            **changes,
        }
        values["reminder_days_before"] = list(values["reminder_days_before"])
        _check_cycle_values(**values)
        values["title"] = values["title"].strip()
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save()
        if lines is not None:
            locked.lines.set(list(lines))
    return locked


def open_review_cycle(*, cycle: ReviewCycle, user=None, now: datetime | None = None):
    """Asks every organisation holding an assignment in scope for its updates.

    `user` is None when the schedule opens the cycle.
    """
    if user is not None:
        _require_manager(user)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_cycle(cycle.pk)
        if locked.state != CycleState.PLANNED:
            raise ValidationError({"state": [_("Only a planned cycle can be opened.")]})
        if ReviewCycle.objects.filter(state=CycleState.OPEN).exists():
            raise ValidationError({"state": [_("Another review cycle is already open.")]})
        locked.state = CycleState.OPEN
        locked.opened_at = now
        try:
            with transaction.atomic():
                locked.save(update_fields=["state", "opened_at"])
        except IntegrityError as exc:
            raise ValidationError({"state": [_("Another review cycle is already open.")]}) from exc
        organisation_ids = (
            selectors.in_scope_assignments(cycle=locked)
            .exclude(status=Status.CANCELLED)
            .values_list("organisation_id", flat=True)
            .distinct()
        )
        CycleSubmission.objects.bulk_create(
            [
                CycleSubmission(cycle=locked, organisation_id=org_id, updated_at=now)
                for org_id in organisation_ids
            ]
        )
        notifications.notify_cycle_opened(cycle=locked, now=now)
    return locked


def close_review_cycle(*, cycle: ReviewCycle, user=None, now: datetime | None = None):
    """Freezes one snapshot row per assignment in scope; the report reads only those."""
    if user is not None:
        _require_manager(user)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_cycle(cycle.pk)
        if locked.state != CycleState.OPEN:
            raise ValidationError({"state": [_("Only an open cycle can be closed.")]})
        locked.state = CycleState.CLOSED
        locked.closed_at = now
        locked.save(update_fields=["state", "closed_at"])
        _freeze_snapshots(cycle=locked, now=now)
    return locked


# How far along a status is, for "improved / worsened since the previous cycle". Leaving "not
# started" is progress whatever the health of the work that began; among started work the
# healthier status is better; completed is best. A cancelled assignment is not compared.
PROGRESS_RANK = {
    Status.NOT_STARTED: 0,
    Status.BLOCKED: 1,
    Status.OFF_TRACK: 2,
    Status.AT_RISK: 3,
    Status.ON_TRACK: 4,
    Status.COMPLETED: 5,
}


def _progress_rank(expression_field: str) -> Case:
    return Case(
        *[
            When(**{expression_field: status}, then=Value(rank))
            for status, rank in PROGRESS_RANK.items()
        ],
        default=None,
    )


def _flag(q: Q) -> Case:
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def _freeze_snapshots(*, cycle: ReviewCycle, now: datetime) -> int:
    """One INSERT ... SELECT: the database copies the rows, no Python loop over assignments."""
    previous = (
        ReviewCycle.objects.filter(state=CycleState.CLOSED, closed_at__lt=now)
        .exclude(pk=cycle.pk)
        .order_by("-closed_at", "-pk")
        .first()
    )
    today = timezone.localdate(now)
    if previous is not None:
        previous_status = Coalesce(
            Subquery(
                ReviewSnapshot.objects.filter(cycle=previous, assignment=OuterRef("pk")).values(
                    "status"
                )[:1]
            ),
            Value(""),
        )
    else:
        previous_status = Value("")
    assessed = Coalesce(
        Subquery(
            SecretariatAssessment.objects.filter(cycle=cycle, assignment=OuterRef("pk")).values(
                "status"
            )[:1]
        ),
        Value(""),
    )
    rows = (
        selectors.in_scope_assignments(cycle=cycle)
        .annotate(effective_due_date=Coalesce("due_date", "action__due_date"))
        .annotate(s_previous_status=previous_status)
        .annotate(
            now_rank=_progress_rank("status"), before_rank=_progress_rank("s_previous_status")
        )
    )
    columns = {
        "cycle_id": Value(cycle.pk),
        "assignment_id": F("pk"),
        "organisation_id": F("organisation_id"),
        "line_id": F("action__outcome__line_id"),
        "status": F("status"),
        "progress": F("progress"),
        "version": F("version"),
        "last_reported_at": F("last_reported_at"),
        "reported_in_cycle": _flag(selectors.reported_q(cycle=cycle, until=now)),
        "expected_to_report": _flag(selectors.expected_q(cycle=cycle)),
        "effective_due_date": F("effective_due_date"),
        "overdue": _flag(overdue_q(today)),
        "stale": _flag(stale_q(now)),
        "assessed_status": assessed,
        "previous_status": F("s_previous_status"),
        "change": Case(
            When(Q(now_rank__gt=F("before_rank")), then=Value(1)),
            When(Q(now_rank__lt=F("before_rank")), then=Value(-1)),
            When(Q(now_rank=F("before_rank")), then=Value(0)),
            default=None,
        ),
    }
    aliases = {f"c_{name}": expression for name, expression in columns.items()}
    select = rows.annotate(**aliases).values(*aliases)
    assert list(select.query.annotation_select) == list(aliases)
    sql, params = select.query.sql_with_params()
    table = connection.ops.quote_name(ReviewSnapshot._meta.db_table)
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {sql}", params)
        return cursor.rowcount


# Submissions and assessments


def _submission_event(*, submission, actor, to_state, now, **extra) -> SubmissionEvent:
    event = SubmissionEvent.objects.create(
        submission=submission,
        actor=actor,
        created_at=now,
        from_state=submission.state,
        to_state=to_state,
        **extra,
    )
    submission.state = to_state
    submission.updated_at = now
    submission.save(update_fields=["state", "updated_at"])
    return event


def _lock_submission(*, user, submission_id: int) -> CycleSubmission:
    from django.http import Http404

    if not policy.can_view_roadmap(user):
        raise Http404
    try:
        return (
            CycleSubmission.objects.select_for_update(of=("self",))
            .select_related("cycle", "organisation")
            .get(pk=submission_id)
        )
    except CycleSubmission.DoesNotExist as exc:
        raise Http404 from exc


def submit_cycle_submission(*, user, submission_id: int, now: datetime | None = None):
    """A member of the organisation attests every in-scope status at once; the text and the
    versions attested are kept in the history and never edited."""
    now = now or timezone.now()
    with transaction.atomic():
        submission = _lock_submission(user=user, submission_id=submission_id)
        if submission.organisation_id not in policy.updatable_organisation_ids(user):
            raise PermissionDenied(_("Only a member of this organisation may submit for it."))
        # The history reads "draft" before "submitted" even when nothing looked in between.
        if sync_submission_states(
            cycle=submission.cycle, now=now, organisation_ids=[submission.organisation_id]
        ):
            submission.refresh_from_db(fields=["state", "updated_at"])
        cycle = submission.cycle
        if cycle.state != CycleState.OPEN:
            raise ValidationError({"state": [_("The cycle is not open.")]})
        if submission.state not in SUBMITTABLE:
            raise ValidationError(
                {
                    "state": [
                        _("This submission is %(state)s.")
                        % {"state": submission.get_state_display()}
                    ]
                }
            )
        scoped = selectors.in_scope_assignments(cycle=cycle).filter(
            organisation_id=submission.organisation_id
        )
        awaiting = scoped.filter(selectors.awaiting_q(cycle=cycle)).count()
        if awaiting:
            raise ValidationError(
                {
                    "assignments": [
                        _("%(count)d assignments have no update in this cycle yet.")
                        % {"count": awaiting}
                    ]
                }
            )
        attested = [
            {"id": pk, "version": version, "status": status, "progress": progress}
            for pk, version, status, progress in scoped.exclude(status=Status.CANCELLED)
            .order_by("pk")
            .values_list("pk", "version", "status", "progress")
        ]
        attestation = _(
            "%(person)s (%(email)s) of %(organisation)s attests these statuses for cycle "
            "“%(cycle)s”."
        ) % {
            "person": user.get_full_name() or user.email,
            "email": user.email,
            "organisation": submission.organisation.name,
            "cycle": cycle.title,
        }
        return _submission_event(
            submission=submission,
            actor=user,
            to_state=SubmissionState.SUBMITTED,
            now=now,
            attestation=attestation,
            attested_assignments=attested,
        )


def accept_cycle_submission(*, user, submission_id: int, now: datetime | None = None):
    now = now or timezone.now()
    with transaction.atomic():
        submission = _lock_submission(user=user, submission_id=submission_id)
        _require_manager(user)
        if submission.state != SubmissionState.SUBMITTED:
            raise ValidationError({"state": [_("Only a submitted submission can be accepted.")]})
        event = _submission_event(
            submission=submission, actor=user, to_state=SubmissionState.ACCEPTED, now=now
        )
        notifications.notify_submission_decided(submission=submission, accepted=True, now=now)
        return event


def return_cycle_submission(*, user, submission_id: int, reason: str, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        submission = _lock_submission(user=user, submission_id=submission_id)
        _require_manager(user)
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationError({"reason": [_("Say why the submission is returned.")]})
        if len(reason) > COMMENT_MAX_LENGTH:
            raise ValidationError(
                {"reason": [_("At most %(max)d characters.") % {"max": COMMENT_MAX_LENGTH}]}
            )
        if submission.state != SubmissionState.SUBMITTED:
            raise ValidationError({"state": [_("Only a submitted submission can be returned.")]})
        if submission.cycle.state != CycleState.OPEN:
            raise ValidationError({"state": [_("The cycle is not open.")]})
        event = _submission_event(
            submission=submission,
            actor=user,
            to_state=SubmissionState.RETURNED,
            now=now,
            comment=reason.strip(),
        )
        notifications.notify_submission_decided(
            submission=submission, accepted=False, reason=event.comment, now=now
        )
        return event


def record_assessment(
    *, user, cycle: ReviewCycle, assignment_id: int, status: str, comment: str = "", now=None
) -> SecretariatAssessment:
    """The secretariat's own status for an assignment, kept beside the self-reported one."""
    _require_manager(user)
    errors = {}
    if status not in Status.values:
        errors["status"] = [_("Unknown status %(value)r.") % {"value": status}]
    if not isinstance(comment, str) or len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = [_("At most %(max)d characters.") % {"max": COMMENT_MAX_LENGTH}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock_cycle(cycle.pk)
        if locked.state != CycleState.OPEN:
            raise ValidationError({"state": [_("Assessments are recorded while a cycle is open.")]})
        if not selectors.in_scope_assignments(cycle=locked).filter(pk=assignment_id).exists():
            raise ValidationError({"assignment": [_("This assignment is not in the cycle.")]})
        assessment, _created = SecretariatAssessment.objects.update_or_create(
            cycle=locked,
            assignment_id=assignment_id,
            defaults={
                "status": status,
                "comment": comment.strip(),
                "author": user,
                "updated_at": now or timezone.now(),
            },
        )
    return assessment


# The schedule pass


@dataclass
class ScheduleResult:
    opened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    digests: list[tuple[str, str]] = field(default_factory=list)
    requeued: int = 0
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "opened": self.opened,
            "closed": self.closed,
            "digests": [list(d) for d in self.digests],
            "requeued": self.requeued,
            "skipped": self.skipped,
        }


def _lock_schedule() -> None:
    """Two passes at once (two beats, cron beside beat) run one after the other on PostgreSQL;
    the second then finds the reminder rows the first wrote and sends nothing again."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEDULE_LOCK_KEY])


def run_review_schedule(*, now: datetime | None = None) -> ScheduleResult:
    """One pass: open and close the cycles that are due, then decide and queue today's
    digests. Safe to run any number of times for the same moment."""
    now = now or timezone.now()
    result = ScheduleResult()
    with transaction.atomic():
        _lock_schedule()
        for cycle in ReviewCycle.objects.filter(state=CycleState.OPEN, closes_at__lte=now).order_by(
            "closes_at"
        ):
            close_review_cycle(cycle=cycle, now=now)
            result.closed.append(cycle.title)
        for cycle in ReviewCycle.objects.filter(
            state=CycleState.PLANNED, opens_at__lte=now, closes_at__gt=now
        ).order_by("opens_at", "pk"):
            try:
                with transaction.atomic():
                    open_review_cycle(cycle=cycle, now=now)
                result.opened.append(cycle.title)
            except ValidationError:
                result.skipped.append(cycle.title)
        cycle = ReviewCycle.objects.filter(state=CycleState.OPEN).prefetch_related("lines").first()
        if cycle is not None:
            sync_submission_states(cycle=cycle, now=now)
            result.digests = _queue_digests(cycle=cycle, now=now)
        result.requeued = _requeue_unsent(now=now)
    return result


def sync_submission_states(
    *, cycle: ReviewCycle, now: datetime | None = None, organisation_ids=None
) -> int:
    """Derives the states that follow from what happened: not started -> draft with an
    organisation's first update in the cycle, unsubmitted -> late after the deadline.

    Status updates are recorded by tracker.services, which knows nothing of cycles, so the
    schedule pass and the review pages call this before they read the states. Set-based (a
    locked SELECT, one INSERT of the history rows and one UPDATE per move, whatever the number
    of organisations); the rows are locked, so two callers at once record each move once.
    Returns how many submissions moved.
    """
    now = now or timezone.now()
    if cycle.state != CycleState.OPEN:
        return 0
    submissions = CycleSubmission.objects.filter(cycle=cycle)
    if organisation_ids is not None:
        submissions = submissions.filter(organisation_id__in=list(organisation_ids))
    if now > cycle.deadline:
        moves = [
            (
                Q(
                    state__in=[
                        SubmissionState.NOT_STARTED,
                        SubmissionState.DRAFT,
                        SubmissionState.RETURNED,
                    ]
                ),
                SubmissionState.LATE,
            )
        ]
    else:
        reporting = (
            selectors.in_scope_assignments(cycle=cycle)
            .filter(selectors.reported_q(cycle=cycle))
            .values("organisation_id")
        )
        moves = [
            (
                Q(state=SubmissionState.NOT_STARTED, organisation_id__in=reporting),
                SubmissionState.DRAFT,
            )
        ]
    moved = 0
    # No savepoint inside the schedule pass's transaction; a transaction of its own otherwise.
    with transaction.atomic(savepoint=False):
        for condition, to_state in moves:
            changing = list(
                submissions.filter(condition)
                .select_for_update(of=("self",))
                .order_by("pk")
                .values_list("pk", "state")
            )
            if not changing:
                continue
            SubmissionEvent.objects.bulk_create(
                SubmissionEvent(
                    submission_id=pk, from_state=state, to_state=to_state, created_at=now
                )
                for pk, state in changing
            )
            moved += CycleSubmission.objects.filter(pk__in=[pk for pk, _state in changing]).update(
                state=to_state, updated_at=now
            )
    return moved


@dataclass
class _Digest:
    user: object
    kind: str
    day: date
    item_count: int
    # The earlier day whose digest this one makes up for, when no pass sent it then.
    missed_day: date | None = None


def _due_digest(*, cycle, user, now, kind_on) -> _Digest | None:
    """Today's digest for this person, or else yesterday's if it was due and never went."""
    day = reminders.day_in_cycle(cycle=cycle, now=now, zone=reminders.user_zone(user))
    kind = kind_on(day=day)
    if kind is not None:
        return _Digest(user=user, kind=kind, day=day.today, item_count=0)
    kind = reminders.missed_kind(day=day, kind_on=kind_on)
    if kind is not None:
        return _Digest(
            user=user, kind=kind, day=day.today, item_count=0, missed_day=day.day_before().today
        )
    return None


def _queue_digests(*, cycle: ReviewCycle, now: datetime) -> list[tuple[str, str]]:
    """Decides who gets what today, writes the ReminderLog rows and queues their mail after
    commit. Five queries whatever the number of assignments."""
    items = selectors.awaiting_items(cycle=cycle)
    open_by_org: dict[int, int] = defaultdict(int)
    for item in items:
        open_by_org[item["organisation_id"]] += 1
    digests: dict[int, _Digest] = {}
    for membership in selectors.recipients_for(organisation_ids=open_by_org):
        user = membership.user
        if user.pk not in digests:
            kind_on = partial(reminders.digest_kind, cycle=cycle, frequency=user.reminder_frequency)
            digest = _due_digest(cycle=cycle, user=user, now=now, kind_on=kind_on)
            if digest is None:
                continue
            digests[user.pk] = digest
        digests[user.pk].item_count += open_by_org[membership.organisation_id]
    if open_by_org and now > cycle.deadline:
        kind_on = partial(reminders.escalation_kind, cycle=cycle)
        for user in _secretariat_users():
            if user.pk in digests:
                continue
            digest = _due_digest(cycle=cycle, user=user, now=now, kind_on=kind_on)
            if digest is not None:
                digest.item_count = len(open_by_org)
                digests[user.pk] = digest
    if not digests:
        return []
    days = {digest.day for digest in digests.values()}
    days |= {digest.missed_day for digest in digests.values() if digest.missed_day}
    already = set(
        ReminderLog.objects.filter(user_id__in=list(digests), day__in=days).values_list(
            "user_id", "day"
        )
    )
    logs = ReminderLog.objects.bulk_create(
        [
            ReminderLog(
                user=digest.user,
                cycle=cycle,
                kind=digest.kind,
                day=digest.day,
                item_count=digest.item_count,
                created_at=now,
                queued_at=now,
            )
            for user_id, digest in digests.items()
            if (user_id, digest.day) not in already and (user_id, digest.missed_day) not in already
        ]
    )
    for log in logs:
        _queue_send(log.pk)
    return [(log.user.email, log.kind) for log in logs]


def _secretariat_users():
    return list(notifications.secretariat_users())


def _queue_send(log_id: int) -> None:
    from tracker import tasks

    def send_after_commit():
        tasks.send_reminder_digest.delay(log_id)

    transaction.on_commit(send_after_commit, robust=True)


def _requeue_unsent(*, now: datetime) -> int:
    """A worker that died before sending leaves its row unsent: queue it again."""
    cutoff = now - timedelta(seconds=settings.REVIEW_REQUEUE_AFTER_SECONDS)
    ids = list(
        ReminderLog.objects.filter(sent_at__isnull=True, queued_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    if ids:
        ReminderLog.objects.filter(pk__in=ids).update(queued_at=now)
        for log_id in ids:
            _queue_send(log_id)
    return len(ids)


def send_reminder_digest(*, reminder_log_id: int, now: datetime | None = None) -> bool:
    """Sends the digest of one ReminderLog row unless it has gone already. The row stays
    locked while the mail is handed over, so a duplicate task skips it; an SMTP error rolls
    back and propagates for the task to retry. Returns whether a mail was sent."""
    with transaction.atomic():
        log = (
            ReminderLog.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "cycle")
            .filter(pk=reminder_log_id, sent_at__isnull=True)
            .first()
        )
        if log is None:
            return False
        context = _digest_context(log=log)
        if context is None:
            log.sent_at = now or timezone.now()
            log.item_count = 0
            log.save(update_fields=["sent_at", "item_count"])
            return False
        message = reminders.build_digest(
            user=log.user, cycle=log.cycle, kind=log.kind, context=context
        )
        # Written before the mail goes: a database error then stops the mail, never repeats it.
        notifications.notify_digest_sent(log=log, context=context, now=now)
        message.send()
        log.sent_at = now or timezone.now()
        log.save(update_fields=["sent_at"])
    return True


def _digest_context(*, log: ReminderLog) -> dict | None:
    """What the digest lists, read when it is sent; None when nothing is left to ask for."""
    cycle = log.cycle
    if cycle.state != CycleState.OPEN:
        return None
    days_late = (log.day - reminders.local_date(cycle.deadline, reminders.user_zone(log.user))).days
    if log.kind == ReminderKind.ESCALATION:
        items = selectors.awaiting_items(cycle=cycle)
        if not items:
            return None
        late: dict[str, dict] = {}
        for item in items:
            row = late.setdefault(
                item["organisation__code"],
                {"code": item["organisation__code"], "name": item["organisation__name"], "open": 0},
            )
            row["open"] += 1
        states = dict(
            CycleSubmission.objects.filter(cycle=cycle).values_list("organisation__code", "state")
        )
        for code, row in late.items():
            row["submission_state"] = SubmissionState(states[code]).label if code in states else ""
        return {"late": list(late.values()), "days_late": days_late}
    organisation_ids = Membership.objects.filter(
        user=log.user, role__in=sorted(UPDATING_ROLES)
    ).values_list("organisation_id", flat=True)
    items = selectors.awaiting_items(cycle=cycle, organisation_ids=organisation_ids)
    if not items:
        return None
    return {
        "items": items,
        "days_late": days_late,
        "frequency_all": log.user.reminder_frequency == ReminderFrequency.ALL,
    }
