"""Invariants the database itself holds, whatever code path writes the row."""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, transaction

from accounts.choices import OrganisationKind, Role
from accounts.models import Membership, Organisation, User
from roadmap.choices import AssignmentRole
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort
from tests import factories

pytestmark = pytest.mark.django_db


def assert_rejected_by_database(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


# Organisations and memberships


def test_organisation_codes_are_unique(fra):
    assert_rejected_by_database(
        lambda: Organisation.objects.create(code="FRA", name="Another France", kind="board")
    )


@pytest.mark.parametrize("kind", [OrganisationKind.ALLY, OrganisationKind.PARTNER])
def test_a_nation_needs_an_iso3_code(kind):
    assert_rejected_by_database(
        lambda: Organisation.objects.create(code="XYZ", name="Nowhere", kind=kind, iso3="")
    )


def test_a_body_needs_no_iso3_code():
    Organisation.objects.create(code="DIPB", name="Board", kind=OrganisationKind.BOARD)
    Organisation.objects.create(code="NIAG", name="Group", kind=OrganisationKind.INDUSTRY_GROUP)

    assert Organisation.objects.filter(iso3="").count() == 2


def test_two_organisations_cannot_share_an_iso3_code(fra):
    assert_rejected_by_database(
        lambda: Organisation.objects.create(
            code="FRA-2", name="France again", kind=OrganisationKind.PARTNER, iso3="FRA"
        )
    )


def test_a_user_has_one_membership_per_organisation(fra_delegate, fra):
    assert_rejected_by_database(
        lambda: Membership.objects.create(user=fra_delegate, organisation=fra, role=Role.OBSERVER)
    )

    assert fra_delegate.memberships.get().role == Role.DELEGATE


def test_a_user_may_belong_to_several_organisations(fra_delegate, niag):
    Membership.objects.create(user=fra_delegate, organisation=niag, role=Role.INDUSTRY_MEMBER)

    assert fra_delegate.memberships.count() == 2


# Roadmap codes


def test_line_codes_are_unique():
    line = factories.LineOfEffortFactory(number=1)

    assert_rejected_by_database(
        lambda: LineOfEffort.objects.create(
            roadmap=line.roadmap, code=line.code, number=2, title="Copy"
        )
    )


def test_outcome_codes_are_unique():
    outcome = factories.KeyOutcomeFactory()

    assert_rejected_by_database(
        lambda: KeyOutcome.objects.create(
            line=outcome.line, code=outcome.code, number=outcome.number + 1, title="Copy"
        )
    )


def test_action_codes_are_unique():
    action = factories.ActionItemFactory()

    assert_rejected_by_database(
        lambda: ActionItem.objects.create(
            outcome=action.outcome, code=action.code, number=action.number + 1, title="Copy"
        )
    )


def test_action_numbers_are_unique_within_an_outcome():
    action = factories.ActionItemFactory()

    assert_rejected_by_database(
        lambda: ActionItem.objects.create(
            outcome=action.outcome, code=f"{action.code}9", number=action.number, title="Copy"
        )
    )


# Assignments


@pytest.fixture
def assignment(fra):
    return factories.AssignmentFactory(organisation=fra, role=AssignmentRole.LEAD)


@pytest.mark.parametrize("progress", [101, 1000])
def test_progress_above_100_is_rejected_by_update(assignment, progress):
    assert_rejected_by_database(
        lambda: Assignment.objects.filter(pk=assignment.pk).update(progress=progress)
    )

    assignment.refresh_from_db()
    assert assignment.progress == 0


def test_progress_above_100_is_rejected_by_save(assignment):
    assignment.progress = 101

    assert_rejected_by_database(assignment.save)


def test_progress_above_100_fails_validation(assignment):
    assignment.progress = 101

    with pytest.raises(ValidationError) as error:
        assignment.full_clean()

    assert "progress" in error.value.message_dict


def test_progress_of_100_is_accepted(assignment):
    Assignment.objects.filter(pk=assignment.pk).update(progress=100)

    assignment.refresh_from_db()
    assert assignment.progress == 100


def test_an_action_has_at_most_one_lead(assignment, deu):
    assert_rejected_by_database(
        lambda: Assignment.objects.create(
            action=assignment.action, organisation=deu, role=AssignmentRole.LEAD
        )
    )


def test_an_action_may_have_many_contributors(assignment, deu, dipb):
    for organisation in (deu, dipb):
        Assignment.objects.create(
            action=assignment.action, organisation=organisation, role=AssignmentRole.CONTRIBUTOR
        )

    assert assignment.action.assignments.count() == 3


def test_an_organisation_is_assigned_to_an_action_once(assignment, fra):
    assert_rejected_by_database(
        lambda: Assignment.objects.create(
            action=assignment.action, organisation=fra, role=AssignmentRole.CONTRIBUTOR
        )
    )


@pytest.mark.parametrize("status", ["done", "", "ON_TRACK"])
def test_unknown_status_values_are_rejected(assignment, status):
    assert_rejected_by_database(
        lambda: Assignment.objects.filter(pk=assignment.pk).update(status=status)
    )


def test_unknown_assignment_roles_are_rejected(assignment):
    assert_rejected_by_database(
        lambda: Assignment.objects.filter(pk=assignment.pk).update(role="owner")
    )


def test_version_starts_at_one_and_cannot_drop_to_zero(assignment):
    assert assignment.version == 1

    assert_rejected_by_database(
        lambda: Assignment.objects.filter(pk=assignment.pk).update(version=0)
    )


# Users


def test_user_has_no_username():
    with pytest.raises(FieldDoesNotExist):
        User._meta.get_field("username")
    assert User.USERNAME_FIELD == "email"


def test_login_by_email_ignores_case(secretariat_user):
    user = authenticate(email="SEC@Example.ORG", password=factories.PASSWORD)

    assert user == secretariat_user


def test_login_with_a_wrong_password_fails(secretariat_user):
    assert authenticate(email="sec@example.org", password="wrong") is None


def test_email_is_stored_in_lower_case():
    user = User.objects.create_user("Jane.Doe@Example.ORG", password="s3cret-enough")

    assert user.email == "jane.doe@example.org"


def test_one_address_in_two_spellings_is_one_user():
    User.objects.create_user("jane@example.org")

    assert_rejected_by_database(lambda: User.objects.create_user("JANE@example.org"))


def test_an_email_is_required():
    with pytest.raises(ValueError):
        User.objects.create_user("", password="s3cret-enough")


def test_create_superuser():
    user = User.objects.create_superuser("Root@Example.org", password="s3cret-enough")

    assert user.is_superuser and user.is_staff and user.is_active
    assert authenticate(email="root@example.org", password="s3cret-enough") == user


def test_create_user_makes_no_staff():
    user = User.objects.create_user("plain@example.org", password="s3cret-enough")

    assert not user.is_staff and not user.is_superuser
