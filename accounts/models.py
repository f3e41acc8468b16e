from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.choice_labels import ChoiceLabelsModel
from accounts.choices import NATION_KINDS, OrganisationKind, Role


class UserManager(BaseUserManager):
    """Users are identified by e-mail; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class ReminderFrequency(models.TextChoices):
    """How many review digests a person receives; the deadline ones always go."""

    ALL = "all", _("Every scheduled reminder")
    DEADLINE_ONLY = "deadline_only", _("Only on the deadline day and when overdue")


class User(ChoiceLabelsModel, AbstractUser):
    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Brussels")
    reminder_frequency = models.CharField(
        _("review reminders"),
        max_length=16,
        choices=ReminderFrequency.choices,
        default=ReminderFrequency.ALL,
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.email


class Organisation(ChoiceLabelsModel):
    """An Ally, partner, NATO body, industry group or the secretariat."""

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9-]*$", _("Upper-case letters, digits, '-'."))],
        help_text=_("Stable key: ISO 3166 alpha-3 for nations (FRA), acronym for bodies (DIPB)."),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    iso3 = models.CharField(
        _("ISO 3166 alpha-3"),
        max_length=3,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Three upper-case letters."))],
    )
    joined_year = models.PositiveSmallIntegerField(_("year joined"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    source = models.TextField(_("source"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                name="organisation_nation_has_iso3",
                condition=~Q(kind__in=sorted(NATION_KINDS)) | ~Q(iso3=""),
                violation_error_message=_("Allies and partners need an ISO 3166 alpha-3 code."),
            ),
            models.UniqueConstraint(
                fields=["iso3"], condition=~Q(iso3=""), name="organisation_iso3_unique"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Membership(ChoiceLabelsModel):
    """A user's place in an organisation; the role decides what they may do."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__code", "user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_one_per_organisation"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.organisation.code} ({self.get_role_display()})"
