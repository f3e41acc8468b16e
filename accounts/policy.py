"""Who may see and do what. Pages, the API, the admin and tasks all ask here.

A user's rights are the union of the rights of their memberships. The secretariat role counts
only inside an organisation of kind "secretariat", so a mis-filed membership cannot make a
national delegate an administrator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from accounts.choices import UPDATING_ROLES, OrganisationKind, Releasability, Role

if TYPE_CHECKING:
    from accounts.models import Organisation
    from roadmap.models import Assignment, CriticalMaterial
    from tracker.models import BestPractice, Notification, StatusUpdate

ALL_RELEASABILITIES = frozenset(Releasability.values)
NATO_READERS = {Role.DELEGATE, Role.BOARD_MEMBER, Role.OBSERVER}


def membership_rows() -> QuerySet:
    """Memberships that give rights: those of active organisations, with the organisation, in
    code order. `memberships` reads a user's; the API's token check reads them with the token
    (accounts.api.authentication) and hands them over with `remember_memberships`."""
    from accounts.models import Membership

    return (
        Membership.objects.filter(organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__code", "role")
    )


def memberships(user) -> list:
    """The user's `membership_rows`, read once per request and kept on the user (the header
    shows them too)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_policy_memberships", None)
    if cached is None:
        cached = list(membership_rows().filter(user=user))
        remember_memberships(user, cached)
    return cached


def remember_memberships(user, rows: list) -> None:
    """Keeps the user's `membership_rows`, read elsewhere, for the rest of the request."""
    for membership in rows:
        membership.user = user
    user._policy_memberships = rows


def _memberships(user) -> list[tuple[int, str, str]]:
    """(organisation id, organisation kind, role) for each membership."""
    return [(m.organisation_id, m.organisation.kind, m.role) for m in memberships(user)]


def roles(user) -> set[str]:
    """Effective roles; a secretariat role outside the secretariat organisation is ignored."""
    return {
        role
        for _org, kind, role in _memberships(user)
        if role != Role.SECRETARIAT or kind == OrganisationKind.SECRETARIAT
    }


def is_secretariat(user) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return Role.SECRETARIAT in roles(user)


def updatable_organisation_ids(user) -> set[int]:
    """Organisations whose assignments the user may update as a member (not as secretariat)."""
    return {org for org, _kind, role in _memberships(user) if role in UPDATING_ROLES}


# Reading


def can_view_roadmap(user) -> bool:
    """The structure (lines, outcomes, actions, who holds them) is readable by every member."""
    return is_secretariat(user) or bool(roles(user))


def readable_releasabilities(user) -> frozenset[str]:
    """Which markings of narratives and documents the user may read."""
    if is_secretariat(user):
        return ALL_RELEASABILITIES
    user_roles = roles(user)
    if user_roles & NATO_READERS:
        return ALL_RELEASABILITIES
    if Role.INDUSTRY_MEMBER in user_roles:
        return frozenset({Releasability.INDUSTRY, Releasability.PUBLIC})
    return frozenset()


def can_read_releasability(user, releasability: str) -> bool:
    return releasability in readable_releasabilities(user)


def reads_industry_view_only(user) -> bool:
    """True when the user may read only what is released to industry: such users see each
    assignment's latest industry-releasable status, never one marked NATO only."""
    return readable_releasabilities(user) == frozenset(
        {Releasability.INDUSTRY, Releasability.PUBLIC}
    )


def shared_view_key(user) -> tuple:
    """Everything about a reader that a page part shown alike to many readers may depend on:
    whether they read the roadmap and as whom, the markings they read and the organisations
    they answer for. Readers with equal keys may be shown one cached part
    (tracker.data_version.cached); a rule above that reads more of the user belongs here too."""
    return (
        can_view_roadmap(user),
        is_secretariat(user),
        tuple(sorted(readable_releasabilities(user))),
        tuple(sorted(updatable_organisation_ids(user))),
    )


def roadmap_view_key(user) -> tuple:
    """What a part showing only the roadmap's structure and its shown statuses (the overview)
    depends on: whether the reader reads the roadmap, and whether they read the industry
    release. Narrower than `shared_view_key`, so that every delegate shares one overview
    rather than one per organisation; a part that shows more than this uses that key."""
    return (can_view_roadmap(user), reads_industry_view_only(user))


def visible_status_updates(user) -> QuerySet[StatusUpdate]:
    from tracker.models import StatusUpdate

    markings = readable_releasabilities(user)
    if not markings or not can_view_roadmap(user):
        return StatusUpdate.objects.none()
    if markings == ALL_RELEASABILITIES:
        return StatusUpdate.objects.all()
    return StatusUpdate.objects.filter(releasability__in=sorted(markings))


def visible_organisations(user) -> QuerySet[Organisation]:
    from accounts.models import Organisation

    if not can_view_roadmap(user):
        return Organisation.objects.none()
    return Organisation.objects.all()


def visible_assignments(user) -> QuerySet[Assignment]:
    from roadmap.models import Assignment

    if not can_view_roadmap(user):
        return Assignment.objects.none()
    return Assignment.objects.all()


def visible_materials(user) -> QuerySet[CriticalMaterial]:
    """The critical raw materials register (public-source data) is read like the roadmap."""
    from roadmap.models import CriticalMaterial

    if not can_view_roadmap(user):
        return CriticalMaterial.objects.none()
    return CriticalMaterial.objects.all()


# Acting


def can_update_assignment(user, assignment: Assignment) -> bool:
    return can_update_assignments_of(user, assignment.organisation_id)


def can_update_assignments_of(user, organisation_id: int) -> bool:
    """The same question for a row that carries only its organisation's id."""
    return assignment_updater(user)(organisation_id)


def assignment_updater(user) -> Callable[[int], bool]:
    """`can_update_assignments_of` for a list of rows: the user's rights read once."""
    if is_secretariat(user):
        return lambda _organisation_id: True
    return updatable_organisation_ids(user).__contains__


def can_edit_roadmap(user) -> bool:
    """Edit lines, outcomes and actions; assign organisations; cancel assignments."""
    return is_secretariat(user)


def can_manage_organisations(user) -> bool:
    return is_secretariat(user)


def can_submit_best_practice(user) -> bool:
    return is_secretariat(user) or bool(roles(user) & UPDATING_ROLES)


def can_review_best_practice(user) -> bool:
    return is_secretariat(user)


def best_practice_organisation_ids(user) -> set[int]:
    """Organisations a user may submit best practices for: those they update assignments for,
    and the secretariat for its own staff."""
    return updatable_organisation_ids(user) | {
        org
        for org, kind, role in _memberships(user)
        if role == Role.SECRETARIAT and kind == OrganisationKind.SECRETARIAT
    }


def visible_best_practices(user) -> QuerySet[BestPractice]:
    """Published ones released to the user; their own in any state; and, for the secretariat,
    every one that has left its author's drafts."""
    from tracker.models import BestPractice, BestPracticeState

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return BestPractice.objects.none()
    visible = Q(author_id=user.pk)
    markings = readable_releasabilities(user)
    if markings and can_view_roadmap(user):
        visible |= Q(state=BestPracticeState.PUBLISHED, releasability__in=sorted(markings))
    if is_secretariat(user):
        visible |= ~Q(state=BestPracticeState.DRAFT)
    return BestPractice.objects.filter(visible)


def can_view_best_practice(user, best_practice: BestPractice) -> bool:
    """The same rule as visible_best_practices, for one object already in hand."""
    from tracker.models import BestPracticeState

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if best_practice.author_id == user.pk:
        return True
    if is_secretariat(user) and best_practice.state != BestPracticeState.DRAFT:
        return True
    return (
        best_practice.state == BestPracticeState.PUBLISHED
        and can_view_roadmap(user)
        and can_read_releasability(user, best_practice.releasability)
    )


def can_author_best_practice(user, best_practice: BestPractice) -> bool:
    """The author may still act on it while they may submit for its organisation."""
    return (
        best_practice.author_id == user.pk
        and can_submit_best_practice(user)
        and best_practice.organisation_id in best_practice_organisation_ids(user)
    )


def can_edit_best_practice(user, best_practice: BestPractice) -> bool:
    """Only the author, and only while it is a draft or has been returned to them."""
    from tracker.models import BestPracticeState

    return can_author_best_practice(user, best_practice) and best_practice.state in {
        BestPracticeState.DRAFT,
        BestPracticeState.RETURNED,
    }


def can_decide_best_practice(user, best_practice: BestPractice) -> bool:
    """Review, publish, return or reject: the secretariat, never on its own submission."""
    return can_review_best_practice(user) and best_practice.author_id != user.pk


def can_manage_review_cycles(user) -> bool:
    return is_secretariat(user)


def review_report_organisation_ids(user) -> set[int] | None:
    """Organisations whose one-page review report (PDF) the user may download: None means
    every one (the secretariat); members get their own organisations'. Industry-only readers
    get none, because the report counts statuses released to NATO only."""
    if is_secretariat(user):
        return None
    if reads_industry_view_only(user):
        return set()
    return {org for org, _kind, _role in _memberships(user)}


def can_view_audit_trail(user) -> bool:
    return is_secretariat(user)


def can_unlock_logins(user) -> bool:
    """See who is locked out after failed log-ins, and lift the lock."""
    return is_secretariat(user)


# Second factor


def requires_second_factor(user) -> bool:
    """The secretariat can change everything and read every marking, so a stolen password
    alone must not be enough: its accounts reach no page before giving a second factor."""
    return is_secretariat(user)


def can_disable_second_factor(user) -> bool:
    """Anyone may switch their own second factor off, except those who must have one."""
    return not requires_second_factor(user)


def can_reset_second_factor(actor, target) -> bool:
    """For a lost phone: the secretariat clears another account's second factor, never its
    own (a session holding only the password could otherwise swap the device)."""
    return is_secretariat(actor) and actor.pk != target.pk


def can_get_token_with_password(user, *, has_second_factor: bool) -> bool:
    """The API's token endpoint asks only for the password, so it serves no account that
    logs in with a second factor; the secretariat issues those tokens through the admin."""
    return not (has_second_factor or requires_second_factor(user))


# Notifications and calendar feeds


def visible_notifications(user) -> QuerySet[Notification]:
    """A person's notifications are theirs alone: nobody else sees or marks them, not even the
    secretariat."""
    from tracker.models import Notification

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk)


def can_have_calendar_feed(user) -> bool:
    """A private deadline feed for anyone who reads the roadmap; losing that right stops the
    feed at once."""
    return can_view_roadmap(user)
