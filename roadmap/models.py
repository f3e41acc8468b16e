from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from roadmap.choices import AssignmentRole, Status, TitleStatus

LINE_CODE = RegexValidator(r"^LOE-\d+$", _("Line codes look like LOE-2."))
OUTCOME_CODE = RegexValidator(r"^LOE-\d+\.KO-\d+$", _("Outcome codes look like LOE-2.KO-1."))
ACTION_CODE = RegexValidator(
    r"^LOE-\d+\.KO-\d+\.A-\d+$", _("Action codes look like LOE-2.KO-1.A-3.")
)


class Roadmap(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    endorsed = models.CharField(_("endorsed"), max_length=100, blank=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("roadmap")
        verbose_name_plural = _("roadmaps")

    def __str__(self):
        return self.title


class LineOfEffort(models.Model):
    roadmap = models.ForeignKey(Roadmap, on_delete=models.PROTECT, related_name="lines")
    code = models.CharField(_("code"), max_length=20, unique=True, validators=[LINE_CODE])
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    title_status = models.CharField(
        _("title status"),
        max_length=10,
        choices=TitleStatus.choices,
        default=TitleStatus.WORKING,
        help_text=_("Official wording only when confirmed from a NATO source."),
    )
    summary = models.TextField(_("summary"), blank=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("line of effort")
        verbose_name_plural = _("lines of effort")
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "number"], name="line_number_unique"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


class KeyOutcome(models.Model):
    line = models.ForeignKey(LineOfEffort, on_delete=models.PROTECT, related_name="outcomes")
    code = models.CharField(_("code"), max_length=30, unique=True, validators=[OUTCOME_CODE])
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    is_illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Demo content, not from the roadmap.")
    )

    class Meta:
        ordering = ["line__number", "number"]
        verbose_name = _("key outcome")
        verbose_name_plural = _("key outcomes")
        constraints = [
            models.UniqueConstraint(fields=["line", "number"], name="outcome_number_unique"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


class ActionItem(models.Model):
    outcome = models.ForeignKey(KeyOutcome, on_delete=models.PROTECT, related_name="actions")
    code = models.CharField(_("code"), max_length=40, unique=True, validators=[ACTION_CODE])
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    is_illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Demo content, not from the roadmap.")
    )

    class Meta:
        ordering = ["outcome__line__number", "outcome__number", "number"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        constraints = [
            models.UniqueConstraint(fields=["outcome", "number"], name="action_number_unique"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


class Assignment(models.Model):
    """One organisation's part in one action item and where it currently stands."""

    action = models.ForeignKey(ActionItem, on_delete=models.PROTECT, related_name="assignments")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(
        _("role"), max_length=12, choices=AssignmentRole.choices, default=AssignmentRole.CONTRIBUTOR
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    last_reported_at = models.DateTimeField(
        _("last reported"), null=True, blank=True, help_text=_("Empty until the first update.")
    )
    # The latest update that industry may read; industry members see these instead.
    industry_status = models.CharField(
        _("status released to industry"), max_length=12, choices=Status.choices, blank=True
    )
    industry_progress = models.PositiveSmallIntegerField(
        _("progress released to industry"), null=True, blank=True
    )
    industry_reported_at = models.DateTimeField(
        _("last reported to industry"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["action__code", "organisation__code"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["action", "organisation"], name="assignment_one_per_organisation"
            ),
            models.UniqueConstraint(
                fields=["action"],
                condition=Q(role=AssignmentRole.LEAD),
                name="assignment_one_lead_per_action",
                violation_error_message=_("This action item already has a lead."),
            ),
            models.CheckConstraint(
                name="assignment_progress_0_100",
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                violation_error_message=_("Progress must be between 0 and 100."),
            ),
            models.CheckConstraint(
                name="assignment_status_valid", condition=Q(status__in=Status.values)
            ),
            models.CheckConstraint(
                name="assignment_role_valid", condition=Q(role__in=AssignmentRole.values)
            ),
            models.CheckConstraint(name="assignment_version_positive", condition=Q(version__gte=1)),
            models.CheckConstraint(
                name="assignment_completed_is_100",
                condition=~Q(status=Status.COMPLETED) | Q(progress=100),
                violation_error_message=_("A completed assignment is at 100 %."),
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status"], name="assignment_org_status"),
            models.Index(fields=["due_date"], name="assignment_due"),
            models.Index(fields=["last_reported_at"], name="assignment_last_reported"),
        ]

    def __str__(self):
        return f"{self.action.code} — {self.organisation.code}"
