"""The permission matrix of DESIGN.md section 2, role by role."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import policy
from accounts.choices import Releasability, Role
from accounts.models import Organisation
from tests import factories

EVERY_MARKING = frozenset(Releasability.values)
INDUSTRY_AND_PUBLIC = frozenset({Releasability.INDUSTRY, Releasability.PUBLIC})
NOTHING = frozenset()
ASSIGNEES = ("FRA", "DEU", "DIPB", "NIAG")


@dataclass(frozen=True)
class Expected:
    view: bool
    markings: frozenset
    updates: frozenset  # codes of the ASSIGNEES whose assignments the user may update
    secretariat: bool
    submit: bool


EXPECTED = {
    "secretariat_user": Expected(True, EVERY_MARKING, frozenset(ASSIGNEES), True, True),
    "superuser": Expected(True, EVERY_MARKING, frozenset(ASSIGNEES), True, True),
    "fra_delegate": Expected(True, EVERY_MARKING, frozenset({"FRA"}), False, True),
    "dipb_member": Expected(True, EVERY_MARKING, frozenset({"DIPB"}), False, True),
    "niag_member": Expected(True, INDUSTRY_AND_PUBLIC, frozenset({"NIAG"}), False, True),
    "observer": Expected(True, EVERY_MARKING, NOTHING, False, False),
    "ally_secretariat_role": Expected(False, NOTHING, NOTHING, False, False),
    "inactive_secretariat": Expected(False, NOTHING, NOTHING, False, False),
    "no_membership": Expected(False, NOTHING, NOTHING, False, False),
    "anonymous": Expected(False, NOTHING, NOTHING, False, False),
}

CASES = list(EXPECTED)


@pytest.fixture
def superuser(db):
    return factories.UserFactory(email="root@example.org", is_superuser=True, is_staff=True)


@pytest.fixture
def ally_secretariat_role(fra):
    return factories.member(fra, Role.SECRETARIAT, email="misfiled@example.org")


@pytest.fixture
def inactive_secretariat(secretariat_org):
    return factories.member(
        secretariat_org, Role.SECRETARIAT, email="gone@example.org", is_active=False
    )


@pytest.fixture
def no_membership(db):
    return factories.UserFactory(email="nobody@example.org")


@pytest.fixture
def anonymous(db):
    return AnonymousUser()


@pytest.fixture
def assignments(fra, deu, dipb, niag):
    action = factories.ActionItemFactory()
    return [
        factories.AssignmentFactory(action=action, organisation=organisation)
        for organisation in (fra, deu, dipb, niag)
    ]


@pytest.mark.parametrize("case", CASES)
def test_who_reads_the_roadmap_structure(request, case):
    user = request.getfixturevalue(case)

    assert policy.can_view_roadmap(user) is EXPECTED[case].view


@pytest.mark.parametrize("case", CASES)
def test_which_markings_each_role_reads(request, case):
    user = request.getfixturevalue(case)

    assert policy.readable_releasabilities(user) == EXPECTED[case].markings
    for marking in Releasability.values:
        expected = marking in EXPECTED[case].markings
        assert policy.can_read_releasability(user, marking) is expected


@pytest.mark.parametrize("case", CASES)
def test_an_unknown_marking_is_readable_by_nobody(request, case):
    user = request.getfixturevalue(case)

    assert policy.can_read_releasability(user, "cosmic-top-secret") is False
    assert policy.can_read_releasability(user, "") is False


@pytest.mark.parametrize("case", CASES)
def test_who_updates_which_assignment(request, case, assignments):
    user = request.getfixturevalue(case)

    updatable = {
        assignment.organisation.code
        for assignment in assignments
        if policy.can_update_assignment(user, assignment)
    }

    assert updatable == EXPECTED[case].updates


@pytest.mark.parametrize(
    "check",
    [
        policy.can_edit_roadmap,
        policy.can_manage_organisations,
        policy.can_review_best_practice,
        policy.can_manage_review_cycles,
    ],
    ids=lambda check: check.__name__,
)
@pytest.mark.parametrize("case", CASES)
def test_only_the_secretariat_runs_the_roadmap(request, case, check):
    user = request.getfixturevalue(case)

    assert check(user) is EXPECTED[case].secretariat
    assert policy.is_secretariat(user) is EXPECTED[case].secretariat


@pytest.mark.parametrize("case", CASES)
def test_who_submits_best_practices(request, case):
    user = request.getfixturevalue(case)

    assert policy.can_submit_best_practice(user) is EXPECTED[case].submit


@pytest.mark.parametrize("case", CASES)
def test_visible_assignments_and_organisations(request, case, assignments):
    user = request.getfixturevalue(case)

    visible_assignments = set(policy.visible_assignments(user))
    visible_organisations = set(policy.visible_organisations(user))

    if EXPECTED[case].view:
        # The structure, including who holds which action, is shared with every member.
        assert visible_assignments == set(assignments)
        assert visible_organisations == set(Organisation.objects.all())
    else:
        assert visible_assignments == set()
        assert visible_organisations == set()


def test_two_memberships_give_the_union_of_their_rights(fra, niag, assignments):
    user = factories.member(fra, Role.DELEGATE, email="both@example.org")
    factories.MembershipFactory(user=user, organisation=niag, role=Role.INDUSTRY_MEMBER)

    updatable = {a.organisation.code for a in assignments if policy.can_update_assignment(user, a)}

    assert updatable == {"FRA", "NIAG"}
    assert policy.readable_releasabilities(user) == EVERY_MARKING
    assert policy.can_submit_best_practice(user)
    assert not policy.can_edit_roadmap(user)


def test_an_observer_seat_widens_reading_but_not_updating(fra, niag, assignments):
    user = factories.member(niag, Role.INDUSTRY_MEMBER, email="industry@example.org")
    factories.MembershipFactory(user=user, organisation=fra, role=Role.OBSERVER)

    updatable = {a.organisation.code for a in assignments if policy.can_update_assignment(user, a)}

    assert updatable == {"NIAG"}
    assert policy.readable_releasabilities(user) == EVERY_MARKING


def test_a_misfiled_secretariat_role_adds_nothing_to_a_real_membership(fra, niag, assignments):
    user = factories.member(niag, Role.INDUSTRY_MEMBER, email="industry@example.org")
    factories.MembershipFactory(user=user, organisation=fra, role=Role.SECRETARIAT)

    updatable = {a.organisation.code for a in assignments if policy.can_update_assignment(user, a)}

    assert updatable == {"NIAG"}
    assert policy.readable_releasabilities(user) == INDUSTRY_AND_PUBLIC
    assert not policy.is_secretariat(user)
    assert not policy.can_review_best_practice(user)


def test_readers_share_a_cached_view_only_when_they_may_see_the_same(
    fra, deu, niag, fra_delegate, deu_delegate, niag_member, observer, secretariat_user
):
    second_fra_delegate = factories.member(fra, Role.DELEGATE, email="fra2@example.org")
    key = policy.shared_view_key

    assert key(second_fra_delegate) == key(fra_delegate)
    # Other organisations to answer for, other markings, no organisation, the secretariat.
    others = [deu_delegate, niag_member, observer, secretariat_user]
    assert len({key(user) for user in [fra_delegate, *others]}) == 5
    assert key(AnonymousUser())[0] is False


def test_the_overview_is_shared_by_every_nato_reader_and_not_with_industry(
    fra_delegate, deu_delegate, dipb_member, niag_member, observer, secretariat_user
):
    key = policy.roadmap_view_key

    nato_readers = [fra_delegate, deu_delegate, dipb_member, observer, secretariat_user]
    assert {key(user) for user in nato_readers} == {(True, False)}
    assert key(niag_member) == (True, True)
    assert key(AnonymousUser())[0] is False
