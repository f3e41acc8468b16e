from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    ALLY = "ally", _("Ally")
    PARTNER = "partner", _("Partner")
    BOARD = "board", _("Board")
    COMMITTEE = "committee", _("Committee")
    INDUSTRY_GROUP = "industry_group", _("Industry group")
    SCIENCE = "science", _("Science and technology")
    SECRETARIAT = "secretariat", _("Secretariat")


NATION_KINDS = {OrganisationKind.ALLY, OrganisationKind.PARTNER}


class Role(models.TextChoices):
    SECRETARIAT = "secretariat", _("Secretariat")
    DELEGATE = "delegate", _("National delegate")
    BOARD_MEMBER = "board_member", _("Board member")
    INDUSTRY_MEMBER = "industry_member", _("Industry member")
    OBSERVER = "observer", _("Observer")


# Roles that may update the assignments of their own organisation.
UPDATING_ROLES = {Role.DELEGATE, Role.BOARD_MEMBER, Role.INDUSTRY_MEMBER}


class Releasability(models.TextChoices):
    """Who may read a narrative or document, from narrowest to widest audience."""

    NATO = "nato", _("NATO only")
    INDUSTRY = "industry", _("NATO and industry")
    PUBLIC = "public", _("Public")
