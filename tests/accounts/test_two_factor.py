"""Two-factor authentication through the real forms: password, then code. No test here uses
force_login for a user with an authenticator app, so nothing skips the code step."""

import re
from datetime import timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.choices import Role
from tests import factories
from tests.factories import PASSWORD
from tests.two_factor_support import code_for, current_code, give_authenticator

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:two_factor_verify")
SETUP = reverse("accounts:two_factor_setup")
MANAGE = reverse("accounts:two_factor")
CODES = reverse("accounts:two_factor_recovery_codes")
DISABLE = reverse("accounts:two_factor_disable")
HOME = reverse("roadmap:home")
ADDRESS = "192.0.2.44"


def password_step(client, email, password=PASSWORD, **extra):
    return client.post(
        LOGIN, {"username": email, "password": password, **extra}, REMOTE_ADDR=ADDRESS
    )


def code_step(client, code):
    return client.post(VERIFY, {"code": code}, REMOTE_ADDR=ADDRESS)


def later(seconds):
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=True)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def bare_secretariat(secretariat_org):
    """A secretariat account (with admin access) that has not enrolled yet."""
    return factories.member(
        secretariat_org, Role.SECRETARIAT, email="new.sec@example.org", is_staff=True
    )


@pytest.fixture
def recovery_codes(secretariat_user):
    device = StaticDevice.objects.create(user=secretariat_user, name="Recovery", confirmed=True)
    codes = ["abcd2345", "efgh6723"]
    for code in codes:
        StaticToken.objects.create(device=device, token=code)
    return codes


# Logging in


def test_the_password_alone_opens_no_session_for_an_enrolled_user(client, secretariat_user):
    response = password_step(client, "sec@example.org", next="/dashboard/")

    assertRedirects(response, VERIFY, fetch_redirect_response=False)
    assert not logged_in(client)
    # Every page still sends them to log in.
    assert client.get(HOME)["Location"].startswith(LOGIN)
    page = client.get(VERIFY)
    assertContains(page, "Enter your code")
    assertContains(page, "Two-factor authentication is on for sec@example.org.")
    assertNotContains(page, "Log out</button>")
    assertContains(page, 'autocomplete="one-time-code"')


def test_password_then_code_logs_the_secretariat_in(client, secretariat_user):
    password_step(client, "sec@example.org", next="/dashboard/")

    response = code_step(client, current_code(secretariat_user))

    assertRedirects(response, "/dashboard/", fetch_redirect_response=False)
    assert logged_in(client)
    assert client.get("/dashboard/").status_code == 200
    assert client.get(reverse("accounts:audit")).status_code == 200
    login = LogEntry.objects.get(additional_data__event="login")
    assert login.actor == secretariat_user


def test_a_wrong_code_is_refused_with_a_form_error_and_no_session(client, secretariat_user):
    password_step(client, "sec@example.org")
    good = current_code(secretariat_user)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"

    response = code_step(client, wrong)

    assert response.status_code == 200
    assertContains(response, "That code is not right, or it has already been used.")
    assert not logged_in(client)
    failure = LogEntry.objects.get(additional_data__event="login_failed")
    assert failure.additional_data["second_factor"] is True
    assert failure.object_id == secretariat_user.pk


@pytest.mark.parametrize("bad", ["", "12345", "abcdefgh", "1234567", " " * 5])
def test_malformed_codes_are_refused(client, secretariat_user, bad):
    password_step(client, "sec@example.org")

    response = code_step(client, bad)

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not logged_in(client)


def test_a_code_cannot_be_used_twice(client, secretariat_user):
    password_step(client, "sec@example.org")
    code = current_code(secretariat_user)
    code_step(client, code)
    client.logout()

    password_step(client, "sec@example.org")
    with later(10):
        response = code_step(client, code)

    assert response.status_code == 200
    assert not logged_in(client)


def test_wrong_codes_throttle_the_device_even_against_the_right_code(client, secretariat_user):
    password_step(client, "sec@example.org")
    code_step(client, "000000" if current_code(secretariat_user) != "000000" else "111111")

    response = code_step(client, current_code(secretariat_user))

    assertContains(response, "Too many wrong codes in a row")
    assert not logged_in(client)
    device = TOTPDevice.objects.get(user=secretariat_user)
    assert device.throttling_failure_count == 1


def test_the_right_code_works_once_the_wait_is_over(client, secretariat_user):
    password_step(client, "sec@example.org")
    code_step(client, "000000" if current_code(secretariat_user) != "000000" else "111111")

    with later(5):
        response = code_step(client, current_code(secretariat_user))

    assert response.status_code == 302
    assert logged_in(client)


def test_the_wait_doubles_with_each_wrong_code(client, secretariat_user):
    password_step(client, "sec@example.org")
    for seconds in (0, 10, 20):
        with later(seconds):
            code_step(client, "999999" if current_code(secretariat_user) != "999999" else "1")
    assert TOTPDevice.objects.get(user=secretariat_user).throttling_failure_count == 3

    # Three failures: the device now waits 4 seconds.
    with later(22):
        refused = code_step(client, current_code(secretariat_user))
    with later(26):
        accepted = code_step(client, current_code(secretariat_user))

    assertContains(refused, "Too many wrong codes in a row")
    assert accepted.status_code == 302
    assert logged_in(client)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_wrong_codes_count_towards_the_account_lock_out(client, secretariat_user):
    password_step(client, "sec@example.org")
    statuses = []
    for seconds in (0, 10, 30):
        with later(seconds):
            statuses.append(code_step(client, "abcdefgh").status_code)

    assert statuses == [200, 200, 429]
    client.logout()
    # Locked: neither the password nor a code gets in now.
    assert password_step(client, "sec@example.org").status_code == 429
    assert not logged_in(client)


def test_a_recovery_code_works_once_and_not_twice(client, secretariat_user, recovery_codes):
    password_step(client, "sec@example.org")

    first = code_step(client, recovery_codes[0].upper())

    assertRedirects(first, HOME, fetch_redirect_response=False)
    assert logged_in(client)
    assertContains(client.get(HOME), "You used a recovery code; 1 left.")
    client.logout()

    password_step(client, "sec@example.org")
    with later(5):
        again = code_step(client, recovery_codes[0])

    assert again.status_code == 200
    assertContains(again, "That code is not right, or it has already been used.")
    assert not logged_in(client)


def test_the_code_step_expires(client, secretariat_user):
    password_step(client, "sec@example.org")

    with later(6 * 60):
        response = code_step(client, current_code(secretariat_user))

    assertRedirects(response, LOGIN, fetch_redirect_response=False)
    assert not logged_in(client)


def test_the_code_step_without_a_password_goes_to_log_in(client, secretariat_user):
    response = code_step(client, current_code(secretariat_user))

    assertRedirects(response, LOGIN, fetch_redirect_response=False)
    assert not logged_in(client)


def test_the_admin_log_in_form_leads_to_the_two_step_log_in(client, secretariat_user):
    response = client.get(reverse("admin:login") + "?next=/admin/")

    assertRedirects(response, f"{LOGIN}?next=%2Fadmin%2F", fetch_redirect_response=False)


# Delegates: available, not required


def test_a_delegate_without_two_factor_logs_in_with_the_password(client, fra_delegate):
    response = password_step(client, "fra@example.org")

    assertRedirects(response, HOME)
    assert client.get(reverse("worklist:mine")).status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_a_delegate_who_enrolled_must_give_the_code(client, fra_delegate):
    give_authenticator(fra_delegate)

    response = password_step(client, "fra@example.org")

    assertRedirects(response, VERIFY, fetch_redirect_response=False)
    assert not logged_in(client)
    code_step(client, current_code(fra_delegate))
    assert logged_in(client)
    assert client.get(reverse("worklist:mine")).status_code == 200


def test_a_session_opened_before_enrolling_elsewhere_must_give_the_code(client, fra_delegate):
    password_step(client, "fra@example.org")
    give_authenticator(fra_delegate)

    response = client.get(reverse("worklist:mine"))

    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert client.get("/api/v1/me/").status_code == 403
    code_step(client, current_code(fra_delegate))
    assert client.get(reverse("worklist:mine")).status_code == 200


def test_a_delegate_may_turn_two_factor_off(client, fra_delegate):
    give_authenticator(fra_delegate)
    password_step(client, "fra@example.org")
    code_step(client, current_code(fra_delegate))

    response = client.post(DISABLE)

    assertRedirects(response, MANAGE)
    assert not TOTPDevice.objects.filter(user=fra_delegate).exists()
    assert LogEntry.objects.filter(additional_data__event="two_factor_disabled").exists()


# Secretariat without a second factor


def secretariat_pages(world=None):
    return [
        HOME,
        reverse("roadmap:dashboard"),
        reverse("worklist:mine"),
        reverse("worklist:all"),
        reverse("worklist:all-csv"),
        reverse("worklist:all-xlsx"),
        reverse("best_practices:library"),
        reverse("best_practices:library-csv"),
        reverse("reviews:list"),
        reverse("materials:register"),
        reverse("accounts:audit"),
        reverse("accounts:audit_csv"),
        reverse("accounts:lockouts"),
        reverse("accounts:password_change"),
        reverse("accounts:two_factor"),
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
    ]


def test_an_unenrolled_secretariat_is_sent_to_enrol_from_every_page(client, bare_secretariat):
    response = password_step(client, "new.sec@example.org")
    assertRedirects(response, HOME, fetch_redirect_response=False)

    for url in secretariat_pages():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(SETUP), url
    # A form post is refused the same way, and changes nothing.
    response = client.post(reverse("accounts:lockout_unlock", args=[1]))
    assert response["Location"].startswith(SETUP)


def test_an_unenrolled_secretariat_gets_403_from_the_api_with_its_session(client, bare_secretariat):
    password_step(client, "new.sec@example.org")

    for url in ["/api/v1/me/", "/api/v1/organisations/", "/api/schema/"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "second factor" in response.json()["detail"]
    response = client.post("/api/v1/organisations/", {"code": "X"})
    assert response.status_code == 403


def test_an_enrolled_secretariat_session_without_the_code_is_sent_to_the_code_step(
    client, secretariat_user
):
    # A session that has the password only (here: opened before the device existed).
    TOTPDevice.objects.filter(user=secretariat_user).update(confirmed=False)
    password_step(client, "sec@example.org")
    TOTPDevice.objects.filter(user=secretariat_user).update(confirmed=True)

    for url in secretariat_pages():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(VERIFY), url
    assert client.get("/api/v1/me/").status_code == 403
    assertRedirects(client.get(SETUP), VERIFY, fetch_redirect_response=False)


def test_open_pages_stay_open_without_the_second_factor(client, bare_secretariat):
    password_step(client, "new.sec@example.org")

    assert client.get(SETUP).status_code == 200
    assert client.get("/healthz").status_code in {200, 503}
    language = client.post(reverse("set_language"), {"language": "fr", "next": SETUP})
    assertRedirects(language, SETUP, fetch_redirect_response=False)
    assertRedirects(client.post(reverse("accounts:logout")), LOGIN)


def test_an_api_token_keeps_working_without_a_session(secretariat_user):
    token = Token.objects.create(user=secretariat_user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert api.get("/api/v1/me/").status_code == 200


def test_a_password_alone_gets_no_api_token_for_the_secretariat(bare_secretariat, fra_delegate):
    api = APIClient()
    body = {"username": "new.sec@example.org", "password": PASSWORD}

    response = api.post("/api/v1/auth/token/", body, format="json")

    assert response.status_code == 403
    assert "Ask the secretariat" in response.json()["detail"]
    assert not Token.objects.exists()
    delegate = api.post(
        "/api/v1/auth/token/", {"username": "fra@example.org", "password": PASSWORD}
    )
    assert delegate.status_code == 200


# Enrolment


def _setup_secret(client) -> str:
    """The key the enrolment page shows, as a person would type it into their app."""
    page = client.get(SETUP).content.decode()
    text = re.search(r'two-factor__secret"><code>([A-Z2-7 ]+)</code>', page).group(1)
    from base64 import b32decode

    return b32decode(text.replace(" ", "")).hex()


def test_enrolment_shows_a_qr_code_and_the_key(client, bare_secretariat):
    password_step(client, "new.sec@example.org")

    page = client.get(SETUP)

    assertContains(page, "Required.")
    assertContains(page, 'src="data:image/svg+xml')
    assertContains(page, 'class="two-factor__secret"')
    assertNotContains(page, "<script")
    # The key stays the same across reloads until it is confirmed.
    assert _setup_secret(client) == _setup_secret(client)


def test_enrolment_with_a_wrong_code_changes_nothing(client, bare_secretariat):
    password_step(client, "new.sec@example.org")
    secret = _setup_secret(client)
    wrong = f"{(int(code_for(secret)) + 1) % 1_000_000:06d}"

    response = client.post(SETUP, {"code": wrong})

    assert response.status_code == 200
    assertContains(response, "That code does not match.")
    assert not TOTPDevice.objects.exists()
    assert not StaticDevice.objects.exists()
    assert client.get(HOME)["Location"].startswith(SETUP)


def test_enrolment_then_recovery_codes_shown_once(client, bare_secretariat):
    password_step(client, "new.sec@example.org")
    secret = _setup_secret(client)

    response = client.post(SETUP, {"code": code_for(secret)})

    assertRedirects(response, CODES, fetch_redirect_response=False)
    device = TOTPDevice.objects.get(user=bare_secretariat)
    assert device.confirmed and device.key == secret
    page = client.get(CODES)
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page.content.decode())
    assert len(codes) == 10
    assert page["Cache-Control"].startswith("max-age=0")
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=bare_secretariat).values_list("token", flat=True)
    )
    # Shown once: a reload shows no code.
    again = client.get(CODES)
    assert not re.findall(r"<li><code>", again.content.decode())
    assertContains(again, "cannot be shown again")
    # The session that enrolled counts as verified: the app opens up.
    assert client.get(reverse("accounts:audit")).status_code == 200
    assert LogEntry.objects.filter(additional_data__event="two_factor_enabled").count() == 1


def test_new_recovery_codes_invalidate_the_old_ones(client, secretariat_user, recovery_codes):
    client.force_login(secretariat_user)

    response = client.post(CODES)

    assertRedirects(response, CODES, fetch_redirect_response=False)
    page = client.get(CODES).content.decode()
    fresh = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(fresh) == 10
    assert not StaticToken.objects.filter(token__in=recovery_codes).exists()
    client.logout()
    password_step(client, "sec@example.org")
    assert code_step(client, recovery_codes[1]).status_code == 200
    assert not logged_in(client)
    with later(5):
        assert code_step(client, fresh[0]).status_code == 302
    assert logged_in(client)


def test_the_secretariat_cannot_turn_two_factor_off(client, secretariat_user):
    client.force_login(secretariat_user)

    page = client.get(MANAGE)
    response = client.post(DISABLE)

    assertContains(page, "Your role requires two-factor authentication")
    assertNotContains(page, DISABLE)
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=secretariat_user).exists()


def test_the_manage_page_shows_the_state_as_word_and_colour(client, fra_delegate):
    client.force_login(fra_delegate)

    off = client.get(MANAGE)

    assertContains(off, 'two-factor__state--off">Off<')
    give_authenticator(fra_delegate)
    client.force_login(fra_delegate)
    assertContains(client.get(MANAGE), 'two-factor__state--on">On<')


def test_every_page_links_to_two_factor_from_the_account_menu(client, fra_delegate):
    client.force_login(fra_delegate)

    assertContains(client.get(HOME), f'href="{MANAGE}"')


# Resetting a lost phone


def _reset_through_admin(client, user):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [user.pk]},
    )


def test_the_secretariat_resets_a_lost_phone_through_the_admin(
    client, secretariat_user, fra_delegate
):
    secretariat_user.is_staff = True
    secretariat_user.save()
    give_authenticator(fra_delegate)
    client.force_login(secretariat_user)

    response = _reset_through_admin(client, fra_delegate)

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=fra_delegate).exists()
    entry = LogEntry.objects.get(additional_data__event="two_factor_reset")
    assert entry.actor == secretariat_user
    assert entry.object_id == fra_delegate.pk
    audit = client.get(reverse("accounts:audit") + "?event=two_factor_reset")
    assertContains(audit, "Two-factor authentication reset")


def test_a_reset_ends_the_verified_sessions_of_a_secretariat(client, secretariat_user, deu):
    other = factories.member(
        secretariat_user.memberships.get().organisation,
        Role.SECRETARIAT,
        email="boss@example.org",
        is_staff=True,
    )
    give_authenticator(other)
    client.force_login(secretariat_user)
    assert client.get(HOME).status_code == 200

    from accounts import two_factor

    two_factor.reset_second_factor(actor=other, user=secretariat_user, remote_addr=None)

    assert client.get(HOME)["Location"].startswith(SETUP)


def test_the_secretariat_cannot_reset_its_own(client, secretariat_user):
    secretariat_user.is_staff = True
    secretariat_user.save()
    client.force_login(secretariat_user)

    response = _reset_through_admin(client, secretariat_user)

    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=secretariat_user).exists()
    assert not LogEntry.objects.filter(additional_data__event="two_factor_reset").exists()


@pytest.mark.parametrize("role", ["fra_delegate", "dipb_member", "niag_member", "observer"])
def test_only_the_secretariat_may_reset(role, request, deu_delegate):
    from django.core.exceptions import PermissionDenied

    from accounts import two_factor

    give_authenticator(deu_delegate)
    with pytest.raises(PermissionDenied):
        two_factor.reset_second_factor(
            actor=request.getfixturevalue(role), user=deu_delegate, remote_addr=None
        )
    assert TOTPDevice.objects.filter(user=deu_delegate).exists()


def test_the_enrolment_page_speaks_french(client, bare_secretariat):
    password_step(client, "new.sec@example.org")
    client.post(reverse("set_language"), {"language": "fr", "next": SETUP})

    page = client.get(SETUP)

    assertContains(page, "Configurer l\u2019authentification à deux facteurs")
    assertContains(page, "Code de l\u2019application")
