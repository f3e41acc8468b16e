"""Writes to users and memberships that carry rules."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.choices import OrganisationKind, Role
from accounts.models import Membership, Organisation, User

# Which roles make sense in which kind of organisation.
ROLES_BY_KIND = {
    OrganisationKind.SECRETARIAT: {Role.SECRETARIAT, Role.OBSERVER},
    OrganisationKind.ALLY: {Role.DELEGATE, Role.OBSERVER},
    OrganisationKind.PARTNER: {Role.DELEGATE, Role.OBSERVER},
    OrganisationKind.BOARD: {Role.BOARD_MEMBER, Role.OBSERVER},
    OrganisationKind.COMMITTEE: {Role.BOARD_MEMBER, Role.OBSERVER},
    OrganisationKind.INDUSTRY_GROUP: {Role.INDUSTRY_MEMBER, Role.OBSERVER},
    OrganisationKind.SCIENCE: {Role.BOARD_MEMBER, Role.OBSERVER},
}


def check_role_fits(*, organisation: Organisation, role: str) -> None:
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise ValidationError(
            {"role": f"A {organisation.get_kind_display().lower()} cannot have the role {role!r}."}
        )


@transaction.atomic
def ensure_member(
    *,
    email: str,
    organisation: Organisation,
    role: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
) -> User:
    """Create or update a user with exactly one membership in `organisation` with `role`."""
    check_role_fits(organisation=organisation, role=role)
    user, _created = User.objects.get_or_create(
        email=email.strip().lower(),
        defaults={"first_name": first_name, "last_name": last_name, "is_staff": is_staff},
    )
    user.first_name, user.last_name, user.is_staff = first_name, last_name, is_staff
    if password is not None:
        user.set_password(password)
    user.save()
    Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    return user
