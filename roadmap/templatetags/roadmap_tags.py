"""Template helpers for the page layout; permission questions go to accounts.policy."""

from django import template

from accounts import policy
from accounts.models import Membership

register = template.Library()


@register.filter
def can_edit_roadmap(user) -> bool:
    """Lets the layout show editing entry points (the admin) only to those policy allows."""
    return policy.can_edit_roadmap(user)


@register.simple_tag
def memberships_of(user) -> list[Membership]:
    """The user's organisations and roles for the header, in one query."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__code")
    )
