"""Log-in throttling: failures per account and per address lock log-in for a cool-off, the
secretariat can lift the lock, and every log-in and failure lands in the audit trail."""

from datetime import timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertRedirects
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory

LOGIN = reverse("accounts:login")
HOME = reverse("roadmap:home")
LOCKOUTS = reverse("accounts:lockouts")
TOKEN = "/api/v1/auth/token/"
LOCKED = "Too many failed log-ins"


def log_in(client, email, password, address="192.0.2.10"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address)


def fail(client, email, times, address="192.0.2.10"):
    for _ in range(times):
        response = log_in(client, email, "wrong password", address)
        assert response.status_code == 200, "a plain failure shows the form again"


@override_settings(AXES_FAILURE_LIMIT=3)
def test_an_account_locks_after_the_configured_failures_even_with_the_right_password(
    client, fra_delegate
):
    fail(client, "fra@example.org", 2)
    assertRedirects(log_in(client, "fra@example.org", PASSWORD), HOME)
    client.logout()
    # A success starts the count again: three more failures are needed.
    fail(client, "fra@example.org", 2)
    assert log_in(client, "fra@example.org", "wrong password").status_code == 429

    response = log_in(client, "fra@example.org", PASSWORD)

    assert response.status_code == 429
    assertContains(response, LOCKED, status_code=429)
    assertContains(response, "30 minutes", status_code=429)
    assert "_auth_user_id" not in client.session


def test_the_limit_defaults_to_five(client, fra_delegate):
    fail(client, "fra@example.org", 4)
    assert log_in(client, "fra@example.org", "wrong password").status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_failures_from_many_addresses_lock_the_account(client, fra_delegate, deu_delegate):
    for n in range(3):
        log_in(client, "FRA@example.org ", "wrong password", address=f"198.51.100.{n}")

    assert log_in(client, "fra@example.org", PASSWORD, "203.0.113.7").status_code == 429
    # Another account from a clean address is not affected.
    assertRedirects(log_in(client, "deu@example.org", PASSWORD, "203.0.113.8"), HOME)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_failures_on_many_accounts_lock_the_address(client, fra_delegate, deu_delegate):
    for email in ["a@example.org", "b@example.org", "c@example.org"]:
        log_in(client, email, "wrong password", address="192.0.2.99")

    assert log_in(client, "deu@example.org", PASSWORD, "192.0.2.99").status_code == 429
    assertRedirects(log_in(client, "deu@example.org", PASSWORD, "192.0.2.100"), HOME)


@override_settings(AXES_FAILURE_LIMIT=2)
def test_the_lock_lifts_after_the_cool_off(client, fra_delegate):
    fail(client, "fra@example.org", 1)
    log_in(client, "fra@example.org", "wrong password")
    assert log_in(client, "fra@example.org", PASSWORD).status_code == 429

    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assertRedirects(log_in(client, "fra@example.org", PASSWORD), HOME)


@override_settings(AXES_FAILURE_LIMIT=2)
def test_the_token_endpoint_counts_and_answers_429_with_a_reason(fra_delegate):
    api = APIClient(REMOTE_ADDR="192.0.2.50")
    wrong = {"username": "fra@example.org", "password": "wrong password"}
    assert api.post(TOKEN, wrong).status_code == 400

    locked = api.post(TOKEN, wrong)
    right = api.post(TOKEN, {"username": "fra@example.org", "password": PASSWORD})

    assert locked.status_code == right.status_code == 429
    assert LOCKED in right.json()["detail"]
    assert "token" not in right.json()


@override_settings(AXES_FAILURE_LIMIT=2)
def test_the_secretariat_sees_the_lock_and_lifts_it(client, fra_delegate, secretariat_user):
    fail(client, "fra@example.org", 1, address="192.0.2.20")
    log_in(client, "fra@example.org", "wrong password", address="192.0.2.20")
    client.force_login(secretariat_user)

    page = client.get(LOCKOUTS)

    assertContains(page, "fra@example.org")
    assertContains(page, "192.0.2.20")
    [lock] = page.context["lockouts"]

    response = client.post(reverse("accounts:lockout_unlock", args=[lock.pk]), follow=True)

    assertContains(response, "Unlocked.")
    assertContains(response, "Nobody is locked out.")
    client.logout()
    assertRedirects(log_in(client, "fra@example.org", PASSWORD, "192.0.2.20"), HOME)
    unlock = LogEntry.objects.get(additional_data__event="unlock")
    assert unlock.actor == secretariat_user
    assert unlock.object_id == fra_delegate.pk


def test_unlocking_twice_says_it_was_already_lifted(client, secretariat_user):
    client.force_login(secretariat_user)

    response = client.post(reverse("accounts:lockout_unlock", args=[999999]), follow=True)

    assertContains(response, "already been lifted")


@pytest.mark.parametrize("role", ["fra_delegate", "dipb_member", "niag_member", "observer"])
def test_only_the_secretariat_reaches_the_lockouts(client, role, request):
    client.force_login(request.getfixturevalue(role))

    assert client.get(LOCKOUTS).status_code == 403
    assert client.post(reverse("accounts:lockout_unlock", args=[1])).status_code == 403


def test_anonymous_is_sent_to_log_in(client, db):
    assert client.get(LOCKOUTS).status_code == 302


def test_log_ins_and_failures_are_in_the_audit_trail(client, fra_delegate):
    log_in(client, "fra@example.org", "wrong password", address="192.0.2.31")
    log_in(client, "nobody@example.org", "wrong password", address="192.0.2.32")
    log_in(client, "fra@example.org", PASSWORD, address="192.0.2.33")

    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).order_by("pk")
    assert [(e.additional_data["event"], e.object_id, e.remote_addr, e.actor) for e in entries] == [
        ("login_failed", fra_delegate.pk, "192.0.2.31", None),
        ("login_failed", None, "192.0.2.32", None),
        ("login", fra_delegate.pk, "192.0.2.33", fra_delegate),
    ]
    assert entries[1].object_repr == "nobody@example.org"


@override_settings(TRUSTED_PROXY_COUNT=1, AXES_FAILURE_LIMIT=2)
def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(client, fra_delegate, deu_delegate):
    """Everyone arrives from the proxy's address; only the forwarded one is the client's."""
    for _ in range(2):
        client.post(
            LOGIN,
            {"username": "a@example.org", "password": "wrong"},
            REMOTE_ADDR="203.0.113.250",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.77",
        )

    other_client = client.post(
        LOGIN,
        {"username": "deu@example.org", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.250",
        HTTP_X_FORWARDED_FOR="192.0.2.78",
    )
    assert other_client.status_code == 302
    assert LogEntry.objects.filter(remote_addr="192.0.2.77").count() == 2


def test_the_test_client_login_still_works_outside_production(client, db):
    user = UserFactory(email="plain@example.org")

    assert client.login(username="plain@example.org", password=PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)


@override_settings(LOGIN_LOCKOUT_REQUIRES_REQUEST=True)
def test_production_refuses_an_authentication_without_a_request(client, db):
    from axes.exceptions import AxesBackendRequestParameterRequired

    UserFactory(email="plain@example.org")

    with pytest.raises(AxesBackendRequestParameterRequired):
        client.login(username="plain@example.org", password=PASSWORD)


def test_a_forged_forwarded_address_is_not_recorded(client, fra_delegate):
    """Without a trusted proxy, X-Forwarded-For is the client's own words: ignored."""
    client.post(
        LOGIN,
        {"username": "fra@example.org", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.40",
        HTTP_X_FORWARDED_FOR="not-an-address, 1.2.3.4",
    )

    login = LogEntry.objects.get(additional_data__event="login")
    assert login.remote_addr == "192.0.2.40"
