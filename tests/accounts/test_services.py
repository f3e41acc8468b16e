import pytest
from django.core.exceptions import ValidationError

from accounts.choices import Role
from accounts.models import Membership, User
from accounts.services import ensure_member


@pytest.mark.django_db
def test_ensure_member_creates_then_updates_one_membership(fra):
    user = ensure_member(email=" Camille@Example.org ", organisation=fra, role=Role.DELEGATE)
    again = ensure_member(email="camille@example.org", organisation=fra, role=Role.OBSERVER)

    assert again.pk == user.pk
    assert user.email == "camille@example.org"
    assert list(Membership.objects.values_list("role", flat=True)) == [Role.OBSERVER]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("org_fixture", "role"),
    [
        ("niag", Role.DELEGATE),
        ("fra", Role.SECRETARIAT),
        ("fra", Role.INDUSTRY_MEMBER),
        ("dipb", Role.DELEGATE),
    ],
)
def test_ensure_member_refuses_a_role_that_does_not_fit_the_organisation(
    request, org_fixture, role
):
    organisation = request.getfixturevalue(org_fixture)

    with pytest.raises(ValidationError) as excinfo:
        ensure_member(email="x@example.org", organisation=organisation, role=role)

    assert "role" in excinfo.value.message_dict
    assert not User.objects.filter(email="x@example.org").exists()
