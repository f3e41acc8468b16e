import re

import pytest
from django.core import mail
from django.urls import reverse
from django.views.defaults import permission_denied
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.factories import PASSWORD
from tests.pages.page_html import texts_of

LOGIN = reverse("accounts:login")
HOME = reverse("roadmap:home")
NEW_PASSWORD = "a fresh and long passphrase 42"
PASSWORDS_DIFFER = "The two password fields didn\u2019t match."  # Django's own wording


def _is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_login_page_has_labelled_fields_and_a_reset_link(client):
    response = client.get(LOGIN)

    assertContains(response, '<label for="id_username">E-mail address</label>', html=True)
    assertContains(response, '<label for="id_password">Password</label>', html=True)
    assertContains(response, f'href="{reverse("accounts:password_reset")}"')


@pytest.mark.parametrize("typed_email", ["fra@example.org", "FRA@Example.ORG", " fra@example.org "])
def test_login_with_email_in_any_case(client, fra_delegate, typed_email):
    response = client.post(LOGIN, {"username": typed_email, "password": PASSWORD})

    assertRedirects(response, HOME)
    assert client.session["_auth_user_id"] == str(fra_delegate.pk)
    assertContains(client.get(HOME), "fra@example.org")


def test_login_goes_back_to_the_page_asked_for(client, fra_delegate):
    asked_for = reverse("accounts:password_change")
    login_page = client.get(asked_for, follow=True)
    assertContains(login_page, f'name="next" value="{asked_for}"')

    response = client.post(
        LOGIN, {"username": "fra@example.org", "password": PASSWORD, "next": asked_for}
    )

    assertRedirects(response, asked_for)


@pytest.mark.parametrize(
    "email, password",
    [("fra@example.org", "wrong password"), ("nobody@example.org", PASSWORD)],
)
def test_wrong_credentials_show_an_error_and_do_not_log_in(client, fra_delegate, email, password):
    response = client.post(LOGIN, {"username": email, "password": password})

    assert response.status_code == 200
    assert not _is_logged_in(client)
    [error] = texts_of(response.content, "alert--error")
    assert error.startswith("Please enter a correct e-mail address and password.")
    assertContains(response, f'value="{email}"')


def test_malformed_email_is_a_field_error(client, fra_delegate):
    response = client.post(LOGIN, {"username": "not-an-email", "password": PASSWORD})

    assert not _is_logged_in(client)
    assert texts_of(response.content, "errorlist") == ["Enter a valid email address."]
    assertContains(response, 'aria-invalid="true"')


def test_inactive_user_cannot_log_in(client, fra_delegate):
    fra_delegate.is_active = False
    fra_delegate.save()

    response = client.post(LOGIN, {"username": "fra@example.org", "password": PASSWORD})

    assert response.status_code == 200
    assert not _is_logged_in(client)


def test_logout_is_a_post_and_ends_the_session(client, fra_delegate):
    client.force_login(fra_delegate)
    home = client.get(HOME)
    assertContains(
        home, f'<form class="account__logout" method="post" action="{reverse("accounts:logout")}">'
    )

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert _is_logged_in(client)
    response = client.post(reverse("accounts:logout"))

    assertRedirects(response, LOGIN)
    assert not _is_logged_in(client)
    assertRedirects(client.get(HOME), f"{LOGIN}?next={HOME}")


def test_password_change_needs_login(client):
    response = client.get(reverse("accounts:password_change"))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_password_change(client, fra_delegate):
    client.force_login(fra_delegate)
    url = reverse("accounts:password_change")

    wrong = client.post(
        url,
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    assertContains(wrong, "Your old password was entered incorrectly.")

    mismatch = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "other"},
    )
    assertContains(mismatch, PASSWORDS_DIFFER)

    response = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assertRedirects(response, reverse("accounts:password_change_done"))
    assertContains(client.get(response["Location"]), "Your password has been changed.")
    client.logout()
    assert not client.login(username="fra@example.org", password=PASSWORD)
    assert client.login(username="fra@example.org", password=NEW_PASSWORD)


def _reset_link_from(message) -> str:
    [path] = re.findall(r"^https?://testserver(/\S+)$", message.body, flags=re.MULTILINE)
    return path


def test_password_reset_by_email_link(client, fra_delegate):
    response = client.post(reverse("accounts:password_reset"), {"email": "FRA@example.org"})

    assertRedirects(response, reverse("accounts:password_reset_done"))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["fra@example.org"]
    assert message.subject == (
        "Choose a new password for the Supply Chain Security Roadmap Tracker"
    )
    assert "fra@example.org" in message.body

    link = _reset_link_from(message)
    form_page = client.get(link, follow=True)
    assertContains(form_page, "Choose a new password")
    assertContains(form_page, 'name="new_password1"')
    set_password_url = form_page.redirect_chain[-1][0]

    mismatch = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": "different"}
    )
    assertContains(mismatch, PASSWORDS_DIFFER)

    done = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assertRedirects(done, reverse("accounts:password_reset_complete"))
    logged_in = client.post(LOGIN, {"username": "fra@example.org", "password": NEW_PASSWORD})
    assertRedirects(logged_in, HOME)

    client.logout()
    reused = client.get(link, follow=True)
    assertContains(reused, "This link no longer works")
    assertNotContains(reused, 'name="new_password1"')


def test_password_reset_for_unknown_address_sends_nothing_and_says_the_same(client, fra_delegate):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})

    assertRedirects(response, reverse("accounts:password_reset_done"))
    assert mail.outbox == []


def test_password_reset_link_with_a_forged_token_is_refused(client, fra_delegate):
    client.post(reverse("accounts:password_reset"), {"email": "fra@example.org"})
    link = _reset_link_from(mail.outbox[0])
    forged = re.sub(r"/[^/]+/$", "/abc-0123456789abcdef/", link)

    response = client.get(forged)

    assertContains(response, "This link no longer works")
    assertNotContains(response, 'name="new_password1"')


def test_not_found_page_uses_the_layout(client, fra_delegate):
    client.force_login(fra_delegate)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assertContains(response, "Page not found", status_code=404)
    assertContains(response, "Skip to main content", status_code=404)
    assertContains(response, "fra@example.org", status_code=404)


def test_forbidden_page_uses_the_layout(rf, fra_delegate):
    request = rf.get("/")
    request.user = fra_delegate

    response = permission_denied(request, exception=None)

    assert response.status_code == 403
    assertContains(response, "Not allowed", status_code=403)
    assertContains(response, "Skip to main content", status_code=403)
