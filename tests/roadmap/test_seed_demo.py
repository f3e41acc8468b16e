from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts import policy
from accounts.models import Membership, Organisation, User
from roadmap.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD, DEMO_USERS
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_prints_a_working_login_for_every_role(client):
    output = seed()

    for email, code, role, *_rest in DEMO_USERS:
        assert email in output
        assert client.login(username=email, password=DEFAULT_DEMO_PASSWORD), email
        user = User.objects.get(email=email)
        assert user.memberships.get().organisation.code == code
        assert user.memberships.get().role == role
        client.logout()
    assert f"password: {DEFAULT_DEMO_PASSWORD}" in output


@pytest.mark.django_db
def test_demo_users_get_the_rights_of_their_role():
    seed()
    users = {email: User.objects.get(email=email) for email, *_rest in DEMO_USERS}
    fra_assignment = Assignment.objects.filter(organisation__code="FRA").first()

    assert policy.can_edit_roadmap(users["secretariat@demo.example"])
    assert users["secretariat@demo.example"].is_staff
    assert policy.can_update_assignment(users["delegate.fra@demo.example"], fra_assignment)
    assert not policy.can_update_assignment(users["delegate.deu@demo.example"], fra_assignment)
    assert not policy.can_update_assignment(users["observer@demo.example"], fra_assignment)
    assert not policy.can_edit_roadmap(users["industry.niag@demo.example"])


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing_and_marks_content_illustrative():
    seed()
    counts = [
        m.objects.count()
        for m in (User, Membership, Organisation, LineOfEffort, KeyOutcome, ActionItem, Assignment)
    ]
    seed()

    assert counts == [
        m.objects.count()
        for m in (User, Membership, Organisation, LineOfEffort, KeyOutcome, ActionItem, Assignment)
    ]
    assert counts[0] == len(DEMO_USERS)
    assert LineOfEffort.objects.count() == 5
    assert not KeyOutcome.objects.filter(is_illustrative=False).exists()
    assert not ActionItem.objects.filter(is_illustrative=False).exists()
    assert Assignment.objects.values("organisation").distinct().count() >= 10


@pytest.mark.django_db
def test_seed_demo_password_option_sets_every_password(client):
    seed("--password", "another-demo-pass")

    assert client.login(username="delegate.deu@demo.example", password="another-demo-pass")
    assert not client.login(username="delegate.deu@demo.example", password=DEFAULT_DEMO_PASSWORD)


@pytest.mark.django_db
@override_settings(PRODUCTION=True)
def test_seed_demo_in_production_needs_an_explicit_password():
    with pytest.raises(CommandError, match="--password"):
        seed()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_demo_releases_most_statuses_to_industry_and_keeps_some_nato_only():
    seed()

    released = Assignment.objects.get(action__code="LOE-1.KO-1.A-1", organisation__code="FRA")
    withheld = Assignment.objects.get(action__code="LOE-3.KO-1.A-1", organisation__code="DEU")

    assert (released.industry_status, released.industry_progress) == ("on_track", 70)
    assert withheld.status == "blocked"
    assert withheld.industry_status == ""
    assert withheld.industry_progress is None
