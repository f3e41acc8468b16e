from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.choice_labels import ChoiceLabelsModel
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


class LineOfEffort(ChoiceLabelsModel):
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


class Assignment(ChoiceLabelsModel):
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


# Critical raw materials


class MitigationApproach(models.TextChoices):
    """How an action item reduces the exposure on a material."""

    STOCKPILING = "stockpiling", _("Stockpiling")
    RECYCLING = "recycling", _("Recycling")
    SUBSTITUTION = "substitution", _("Substitution")
    DIVERSIFICATION = "diversification", _("Diversification of supply")
    RESEARCH = "research", _("Research")


class SupplyRiskBand(models.TextChoices):
    """Band of a supply-risk score assessed in a study and entered by the secretariat."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    VERY_HIGH = "very_high", _("Very high")


MATERIAL_SLUG = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$", _("Lower-case letters and digits joined by '-'.")
)


class CriticalMaterial(ChoiceLabelsModel):
    """A raw material on the NATO defence-critical list or the EU critical/strategic lists.

    Every flag and figure comes from a named source (see `sources`). The assessed supply risk
    is empty unless the secretariat enters one from a study, always with its source and year.
    """

    slug = models.CharField(
        _("key"),
        max_length=60,
        unique=True,
        validators=[MATERIAL_SLUG],
        help_text=_("Stable key used in addresses and data files, e.g. 'natural-graphite'."),
    )
    name = models.CharField(_("name"), max_length=120, unique=True)
    symbol = models.CharField(
        _("symbol or short name"), max_length=20, blank=True, help_text=_("e.g. W, HREE, PGM.")
    )
    nato_defence_critical_2024 = models.BooleanField(
        _("on NATO's defence-critical list (2024)"), default=False
    )
    eu_critical_2023 = models.BooleanField(_("EU critical raw material"), default=False)
    eu_strategic_2023 = models.BooleanField(_("EU strategic raw material"), default=False)
    eu_foresight_2020_high_risk = models.BooleanField(
        _("high supply risk in the EU 2020 Foresight study"),
        null=True,
        blank=True,
        help_text=_("Empty when the reference does not say."),
    )
    notes = models.TextField(_("notes"), blank=True)
    sources = models.TextField(
        _("sources"), blank=True, help_text=_("One source per line, e.g. 'Supplier shares: …'.")
    )
    supply_risk_score = models.DecimalField(
        _("assessed supply-risk score"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("From a study, entered by the secretariat; empty when none is known."),
    )
    supply_risk_band = models.CharField(
        _("assessed supply-risk band"), max_length=10, choices=SupplyRiskBand.choices, blank=True
    )
    supply_risk_source = models.TextField(_("source of the assessed supply risk"), blank=True)
    supply_risk_year = models.PositiveSmallIntegerField(
        _("year of the assessed supply risk"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("critical raw material")
        verbose_name_plural = _("critical raw materials")
        constraints = [
            models.CheckConstraint(
                name="material_risk_has_source",
                condition=(Q(supply_risk_score__isnull=True) & Q(supply_risk_band=""))
                | (~Q(supply_risk_source="") & Q(supply_risk_year__isnull=False)),
                violation_error_message=_(
                    "An assessed supply-risk score or band needs its source and year."
                ),
            ),
            models.CheckConstraint(
                name="material_risk_band_valid",
                condition=Q(supply_risk_band="") | Q(supply_risk_band__in=SupplyRiskBand.values),
            ),
            models.CheckConstraint(
                name="material_risk_score_not_negative",
                condition=Q(supply_risk_score__isnull=True) | Q(supply_risk_score__gte=0),
            ),
        ]

    def __str__(self):
        return self.name

    def source_list(self) -> list[str]:
        return [line.strip() for line in self.sources.splitlines() if line.strip()]


class MaterialDefenceUse(models.Model):
    """A defence use of a material, kept only where a source names it."""

    material = models.ForeignKey(
        CriticalMaterial, on_delete=models.CASCADE, related_name="defence_uses"
    )
    use = models.CharField(_("use"), max_length=300)
    source = models.TextField(_("source"))

    class Meta:
        ordering = ["material__name", "pk"]
        verbose_name = _("defence use")
        verbose_name_plural = _("defence uses")
        constraints = [
            models.UniqueConstraint(fields=["material", "use"], name="defence_use_once"),
            models.CheckConstraint(name="defence_use_has_source", condition=~Q(source="")),
        ]

    def __str__(self):
        return f"{self.material}: {self.use}"


class MaterialSupplier(models.Model):
    """One country's share of world production of a material, as a source states it.

    `year` and `reference_period` stay empty when the source does not state them; the pages
    then say so instead of guessing.
    """

    material = models.ForeignKey(
        CriticalMaterial, on_delete=models.CASCADE, related_name="suppliers"
    )
    country = models.CharField(_("country"), max_length=100)
    iso3 = models.CharField(
        _("ISO 3166 alpha-3"),
        max_length=3,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Three upper-case letters."))],
    )
    share_pct = models.DecimalField(
        _("share of world production (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    source = models.TextField(_("source"))
    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
        help_text=_("Only when the source states it."),
    )
    reference_period = models.CharField(
        _("reference period"),
        max_length=100,
        blank=True,
        help_text=_("As the source states it, e.g. 'average 2016-2020'."),
    )

    class Meta:
        ordering = ["material__name", "-share_pct", "country"]
        verbose_name = _("supplier country")
        verbose_name_plural = _("supplier countries")
        constraints = [
            models.UniqueConstraint(fields=["material", "country"], name="supplier_country_once"),
            models.UniqueConstraint(
                fields=["material", "iso3"], condition=~Q(iso3=""), name="supplier_iso3_once"
            ),
            models.CheckConstraint(
                name="supplier_share_0_100",
                condition=Q(share_pct__gt=0) & Q(share_pct__lte=100),
                violation_error_message=_("A share is more than 0 and at most 100 %."),
            ),
            models.CheckConstraint(name="supplier_has_source", condition=~Q(source="")),
        ]
        indexes = [models.Index(fields=["iso3"], name="supplier_iso3")]

    def __str__(self):
        return f"{self.material}: {self.country} {self.share_pct} %"


class MaterialMitigation(ChoiceLabelsModel):
    """An action item that reduces the exposure on a material, and how."""

    material = models.ForeignKey(
        CriticalMaterial, on_delete=models.CASCADE, related_name="mitigations"
    )
    action = models.ForeignKey(
        ActionItem, on_delete=models.CASCADE, related_name="material_mitigations"
    )
    approach = models.CharField(_("approach"), max_length=20, choices=MitigationApproach.choices)
    note = models.TextField(_("how"), blank=True)
    is_illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Demo content, not from the roadmap.")
    )

    class Meta:
        ordering = ["material__name", "action__code", "approach"]
        verbose_name = _("mitigating action")
        verbose_name_plural = _("mitigating actions")
        constraints = [
            models.UniqueConstraint(
                fields=["material", "action", "approach"],
                name="mitigation_once_per_approach",
                violation_error_message=_(
                    "This action is already linked to this material with this approach."
                ),
            ),
            models.CheckConstraint(
                name="mitigation_approach_valid",
                condition=Q(approach__in=MitigationApproach.values),
            ),
        ]

    def __str__(self):
        return f"{self.material} ← {self.action.code} ({self.get_approach_display()})"
