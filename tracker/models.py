from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choice_labels import ChoiceLabelsModel
from accounts.choices import Releasability
from roadmap.choices import Status


class StatusUpdate(ChoiceLabelsModel):
    """One report of where an assignment stands. Append-only: never edited or deleted."""

    assignment = models.ForeignKey(
        "roadmap.Assignment", on_delete=models.PROTECT, related_name="updates"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    narrative = models.TextField(_("narrative"), blank=True)
    evidence_links = models.JSONField(_("evidence links"), default=list, blank=True)
    releasability = models.CharField(
        _("releasable to"),
        max_length=10,
        choices=Releasability.choices,
        default=Releasability.NATO,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="status_updates",
        null=True,
        blank=True,
        help_text=_("Empty when the update came from a roadmap data file."),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    base_version = models.PositiveIntegerField(_("based on version"))
    version = models.PositiveIntegerField(_("resulting version"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("status update")
        verbose_name_plural = _("status updates")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "version"], name="status_update_one_per_version"
            ),
            models.CheckConstraint(
                name="status_update_progress_0_100",
                condition=Q(progress__gte=0) & Q(progress__lte=100),
            ),
            models.CheckConstraint(
                name="status_update_completed_is_100",
                condition=~Q(status=Status.COMPLETED) | Q(progress=100),
            ),
            models.CheckConstraint(
                name="status_update_status_valid", condition=Q(status__in=Status.values)
            ),
            models.CheckConstraint(
                name="status_update_releasability_valid",
                condition=Q(releasability__in=Releasability.values),
            ),
            models.CheckConstraint(
                name="status_update_version_follows_base",
                condition=Q(version=models.F("base_version") + 1),
            ),
        ]
        indexes = [
            models.Index(fields=["assignment", "-created_at"], name="status_update_timeline"),
            models.Index(fields=["created_at"], name="status_update_recent"),
        ]

    def __str__(self):
        return f"{self.assignment} v{self.version}: {self.get_status_display()}"


# Periodic reviews


class CycleState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class SubmissionState(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    LATE = "late", _("Late")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class ReminderKind(models.TextChoices):
    OPENING = "opening", _("Cycle opened")
    BEFORE_DEADLINE = "before_deadline", _("Deadline approaching")
    DEADLINE = "deadline", _("Deadline today")
    OVERDUE = "overdue", _("Overdue")
    ESCALATION = "escalation", _("Escalation to the secretariat")


def default_reminder_days():
    return [7, 2]


class ReviewCycle(ChoiceLabelsModel):
    """One periodic review: organisations in scope are asked for updates between opening and
    the deadline; closing freezes the snapshot its report is computed from."""

    title = models.CharField(_("title"), max_length=200)
    lines = models.ManyToManyField(
        "roadmap.LineOfEffort",
        blank=True,
        related_name="review_cycles",
        verbose_name=_("lines of effort"),
        help_text=_("Leave empty to review every line."),
    )
    opens_at = models.DateTimeField(_("opens at"))
    deadline = models.DateTimeField(_("update deadline"))
    closes_at = models.DateTimeField(_("closes at"))
    state = models.CharField(
        _("state"), max_length=8, choices=CycleState.choices, default=CycleState.PLANNED
    )
    reminder_days_before = models.JSONField(
        _("reminders, days before the deadline"), default=default_reminder_days, blank=True
    )
    overdue_every_days = models.PositiveSmallIntegerField(
        _("overdue reminder every (days)"), default=3
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_at", "-pk"]
        verbose_name = _("review cycle")
        verbose_name_plural = _("review cycles")
        constraints = [
            models.CheckConstraint(
                name="review_cycle_opens_before_deadline",
                condition=Q(opens_at__lt=models.F("deadline")),
                violation_error_message=_("The cycle must open before its deadline."),
            ),
            models.CheckConstraint(
                name="review_cycle_closes_after_deadline",
                condition=Q(deadline__lte=models.F("closes_at")),
                violation_error_message=_("The cycle cannot close before its deadline."),
            ),
            models.CheckConstraint(
                name="review_cycle_state_valid", condition=Q(state__in=CycleState.values)
            ),
            models.CheckConstraint(
                name="review_cycle_overdue_every_positive", condition=Q(overdue_every_days__gte=1)
            ),
            models.UniqueConstraint(
                fields=["state"],
                condition=Q(state=CycleState.OPEN),
                name="review_cycle_one_open",
                violation_error_message=_("Another review cycle is already open."),
            ),
        ]

    def __str__(self):
        return self.title


class CycleSubmission(ChoiceLabelsModel):
    """One organisation's answer to a review cycle."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="submissions")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="cycle_submissions"
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=SubmissionState.choices,
        default=SubmissionState.NOT_STARTED,
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__code"]
        verbose_name = _("cycle submission")
        verbose_name_plural = _("cycle submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "organisation"], name="cycle_submission_one_per_organisation"
            ),
            models.CheckConstraint(
                name="cycle_submission_state_valid", condition=Q(state__in=SubmissionState.values)
            ),
        ]

    def __str__(self):
        return f"{self.cycle} — {self.organisation.code}"


class SubmissionEvent(ChoiceLabelsModel):
    """Append-only history of a submission; a submit event carries the attestation."""

    submission = models.ForeignKey(CycleSubmission, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty when the review schedule made the change."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    from_state = models.CharField(max_length=12, choices=SubmissionState.choices)
    to_state = models.CharField(max_length=12, choices=SubmissionState.choices)
    comment = models.TextField(_("comment"), blank=True)
    attestation = models.TextField(_("attestation"), blank=True)
    attested_assignments = models.JSONField(
        _("attested assignments"),
        default=list,
        blank=True,
        help_text=_("The id, version and status of each assignment attested."),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("submission event")
        verbose_name_plural = _("submission events")

    def __str__(self):
        return f"{self.submission}: {self.from_state} → {self.to_state}"


class SecretariatAssessment(ChoiceLabelsModel):
    """The secretariat's own view of an assignment in a cycle, beside the self-reported one."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="assessments")
    assignment = models.ForeignKey(
        "roadmap.Assignment", on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(_("assessed status"), max_length=12, choices=Status.choices)
    comment = models.TextField(_("comment"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("secretariat assessment")
        verbose_name_plural = _("secretariat assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "assignment"], name="assessment_one_per_cycle_assignment"
            ),
            models.CheckConstraint(
                name="assessment_status_valid", condition=Q(status__in=Status.values)
            ),
        ]

    def __str__(self):
        return f"{self.cycle}: {self.assignment_id} {self.status}"


class ReviewSnapshot(ChoiceLabelsModel):
    """An assignment as it stood when its cycle closed. Never changed afterwards: the report
    is computed from these rows only."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="snapshots")
    assignment = models.ForeignKey(
        "roadmap.Assignment", on_delete=models.PROTECT, related_name="snapshots"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    line = models.ForeignKey("roadmap.LineOfEffort", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices)
    progress = models.PositiveSmallIntegerField()
    version = models.PositiveIntegerField()
    last_reported_at = models.DateTimeField(null=True, blank=True)
    reported_in_cycle = models.BooleanField()
    expected_to_report = models.BooleanField(
        help_text=_("Open when the cycle ran, or reported in it; the reporting rate's base.")
    )
    effective_due_date = models.DateField(null=True, blank=True)
    overdue = models.BooleanField()
    stale = models.BooleanField()
    assessed_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    previous_status = models.CharField(
        max_length=12,
        choices=Status.choices,
        blank=True,
        help_text=_("The status frozen by the previous closed cycle, if it covered this."),
    )
    change = models.SmallIntegerField(
        null=True,
        blank=True,
        help_text=_("+1 improved, -1 worsened, 0 unchanged since the previous cycle."),
    )

    class Meta:
        verbose_name = _("review snapshot")
        verbose_name_plural = _("review snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "assignment"], name="review_snapshot_one_per_assignment"
            ),
        ]

    def __str__(self):
        return f"{self.cycle}: {self.assignment_id} {self.status}"


class ReminderLog(ChoiceLabelsModel):
    """One digest decided for one person on one day. Written in the same transaction that
    queues the e-mail; `sent_at` is set once the mail has gone."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_logs"
    )
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    day = models.DateField(help_text=_("The recipient's local date."))
    item_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "user_id"]
        verbose_name = _("reminder log")
        verbose_name_plural = _("reminder logs")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "cycle", "kind", "day"], name="reminder_once_per_kind_and_day"
            ),
            models.UniqueConstraint(fields=["user", "day"], name="reminder_one_digest_per_day"),
        ]
        indexes = [
            models.Index(
                fields=["queued_at"], condition=Q(sent_at__isnull=True), name="reminder_unsent"
            )
        ]

    def __str__(self):
        return f"{self.user} {self.kind} {self.day}"


# Best practices


class BestPracticeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    PUBLISHED = "published", _("Published")
    RETURNED = "returned", _("Returned to the author")
    REJECTED = "rejected", _("Rejected")


class BestPracticeTag(models.Model):
    """A keyword readers filter the library by; stored lower-case so "Recycling" and
    "recycling" are one tag."""

    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("best-practice tag")
        verbose_name_plural = _("best-practice tags")
        constraints = [
            models.CheckConstraint(
                name="best_practice_tag_lower_case",
                condition=Q(name=Lower("name")),
            ),
        ]

    def __str__(self):
        return self.name


class BestPractice(ChoiceLabelsModel):
    """A practice or national approach shared through the library once the secretariat has
    published it. The state changes only through tracker.best_practices, which records each
    change as a BestPracticeTransition.

    On PostgreSQL a trigger (migration 0003) keeps `search_vector` up to date from the title,
    summary and body, and a GIN index serves the library search."""

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=1000, blank=True)
    body = models.TextField(_("body (Markdown)"), blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="best_practices",
        verbose_name=_("submitting organisation"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="best_practices",
        verbose_name=_("author"),
    )
    lines = models.ManyToManyField(
        "roadmap.LineOfEffort",
        blank=True,
        related_name="best_practices",
        verbose_name=_("lines of effort"),
    )
    actions = models.ManyToManyField(
        "roadmap.ActionItem",
        blank=True,
        related_name="best_practices",
        verbose_name=_("action items"),
    )
    materials = models.ManyToManyField(
        "roadmap.CriticalMaterial",
        blank=True,
        related_name="best_practices",
        verbose_name=_("critical raw materials"),
    )
    tags = models.ManyToManyField(
        BestPracticeTag, blank=True, related_name="best_practices", verbose_name=_("tags")
    )
    releasability = models.CharField(
        _("releasable to"),
        max_length=10,
        choices=Releasability.choices,
        default=Releasability.NATO,
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=BestPracticeState.choices,
        default=BestPracticeState.DRAFT,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("last submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("best practice")
        verbose_name_plural = _("best practices")
        constraints = [
            models.CheckConstraint(
                name="best_practice_state_valid", condition=Q(state__in=BestPracticeState.values)
            ),
            models.CheckConstraint(
                name="best_practice_releasability_valid",
                condition=Q(releasability__in=Releasability.values),
            ),
            models.CheckConstraint(
                name="best_practice_published_has_date",
                condition=~Q(state=BestPracticeState.PUBLISHED) | Q(published_at__isnull=False),
            ),
            models.CheckConstraint(name="best_practice_title_not_blank", condition=~Q(title="")),
        ]
        indexes = [
            models.Index(fields=["state", "-published_at"], name="best_practice_library"),
            models.Index(fields=["author", "state"], name="best_practice_by_author"),
        ]

    def __str__(self):
        return self.title


class BestPracticeTransition(ChoiceLabelsModel):
    """Append-only history of a best practice's review: who moved it, when, from which state to
    which, and what they wrote (the return comments and the author's answers included)."""

    best_practice = models.ForeignKey(
        BestPractice, on_delete=models.CASCADE, related_name="transitions"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    from_state = models.CharField(max_length=12, choices=BestPracticeState.choices)
    to_state = models.CharField(max_length=12, choices=BestPracticeState.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("best-practice transition")
        verbose_name_plural = _("best-practice transitions")

    def __str__(self):
        return f"{self.best_practice_id}: {self.from_state} → {self.to_state}"


class BestPracticeAttachment(models.Model):
    """A file attached to a best practice. The bytes live under
    settings.BEST_PRACTICE_ATTACHMENT_ROOT with a random name; they are served only by the
    download view, which asks the policy first."""

    best_practice = models.ForeignKey(
        BestPractice, on_delete=models.CASCADE, related_name="attachments"
    )
    stored_name = models.CharField(max_length=64, unique=True, editable=False)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("best-practice attachment")
        verbose_name_plural = _("best-practice attachments")

    def __str__(self):
        return self.original_name


# Notifications and calendar feeds


class NotificationKind(models.TextChoices):
    REMINDER_DIGEST = "reminder_digest", _("Review reminder")
    ESCALATION = "escalation", _("Escalation")
    CYCLE_OPENED = "cycle_opened", _("Review cycle opened")
    SUBMISSION_ACCEPTED = "submission_accepted", _("Submission accepted")
    SUBMISSION_RETURNED = "submission_returned", _("Submission returned")
    BEST_PRACTICE_SUBMITTED = "bp_submitted", _("Best practice submitted")
    BEST_PRACTICE_PUBLISHED = "bp_published", _("Best practice published")
    BEST_PRACTICE_RETURNED = "bp_returned", _("Best practice returned")
    BEST_PRACTICE_REJECTED = "bp_rejected", _("Best practice rejected")


class Notification(ChoiceLabelsModel):
    """One in-app message to one person. It stores the kind and its parameters, not prose: the
    text is rendered by tracker.notifications in the reader's language when it is shown."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    reminder_log = models.OneToOneField(
        ReminderLog,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notification",
        help_text=_(
            "The digest this tells of; one notification per digest, however often "
            "its sending is retried."
        ),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.CheckConstraint(
                name="notification_kind_valid", condition=Q(kind__in=NotificationKind.values)
            ),
            models.CheckConstraint(
                name="notification_link_is_local",
                condition=Q(link="") | Q(link__startswith="/"),
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self):
        return f"{self.recipient_id} {self.kind} {self.created_at:%Y-%m-%d}"


class CalendarFeed(models.Model):
    """A person's private iCalendar feed. Only the SHA-256 of its secret is kept, so a copy of
    the database gives no working feed address; revoking deletes the row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return f"{self.user_id} feed"


class DataChange(models.Model):
    """One row per transaction that changed a domain table, written by the database's own
    triggers (tracker.data_version), so that no write, whatever path it takes, can leave a
    cached page part showing what was there before."""

    transaction_id = models.BigIntegerField(primary_key=True)
    changed_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [models.Index(fields=["changed_at"], name="datachange_changed_at")]

    def __str__(self) -> str:
        return f"transaction {self.transaction_id}"
