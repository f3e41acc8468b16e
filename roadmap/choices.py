from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    BLOCKED = "blocked", _("Blocked")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# Higher is worse; a roll-up shows the worst status beneath it. Completed ranks lowest so a
# parent is "completed" only when every counted child is; cancelled children are left out.
STATUS_SEVERITY = {
    Status.COMPLETED: 0,
    Status.NOT_STARTED: 1,
    Status.ON_TRACK: 2,
    Status.AT_RISK: 3,
    Status.OFF_TRACK: 4,
    Status.BLOCKED: 5,
}


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    CONTRIBUTOR = "contributor", _("Contributor")


class TitleStatus(models.TextChoices):
    """Whether a title is the roadmap's official wording or a working label."""

    OFFICIAL = "official", _("Official wording")
    WORKING = "working", _("Working title")
