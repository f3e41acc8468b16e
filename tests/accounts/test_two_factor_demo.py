"""The demo secretariat login stays usable by a newcomer: password, then the code that
`manage.py demo_totp` prints. Production never gets the published demo key."""

from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from pytest_django.asserts import assertRedirects

from accounts import two_factor
from roadmap.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def run(command, *args) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_the_demo_secretariat_logs_in_with_the_printed_code(client):
    output = run("seed_demo")
    assert "manage.py demo_totp" in output
    assert "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ" in output

    response = client.post(
        reverse("accounts:login"),
        {"username": "secretariat@demo.example", "password": DEFAULT_DEMO_PASSWORD},
    )
    assertRedirects(response, reverse("accounts:two_factor_verify"), fetch_redirect_response=False)
    code = run("demo_totp").split()[0]

    response = client.post(reverse("accounts:two_factor_verify"), {"code": code})

    assertRedirects(response, reverse("roadmap:home"), fetch_redirect_response=False)
    assert client.get(reverse("accounts:audit")).status_code == 200


def test_other_demo_users_have_no_second_factor(client):
    run("seed_demo")

    response = client.post(
        reverse("accounts:login"),
        {"username": "delegate.fra@demo.example", "password": DEFAULT_DEMO_PASSWORD},
    )

    assertRedirects(response, reverse("roadmap:home"))


@override_settings(PRODUCTION=True)
def test_production_gets_no_demo_key(secretariat_user):
    with pytest.raises(ImproperlyConfigured):
        two_factor.give_demo_authenticator(user=secretariat_user)
    with pytest.raises(CommandError):
        run("demo_totp")
    output = run("seed_demo", "--password", "a-long-demo-password")
    assert "demo_totp" not in output
