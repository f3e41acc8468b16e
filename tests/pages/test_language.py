from django.conf import settings
from django.core import mail
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.pages.page_html import holders_by_action, texts_of

HOME = reverse("roadmap:home")
LOGIN = reverse("accounts:login")


def test_browser_language_french_gives_a_french_login_page(client):
    response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assertContains(response, '<html lang="fr">')
    assertContains(response, '<label for="id_password">Mot de passe</label>', html=True)
    assertContains(response, "Adresse électronique")
    assertContains(response, "Mot de passe oublié ?")
    assertNotContains(response, "Forgotten your password?")


def test_unknown_browser_language_falls_back_to_english(client):
    response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="de")

    assertContains(response, '<html lang="en">')
    assertContains(response, "Forgotten your password?")


def test_language_switch_form_posts_to_set_language_with_csrf(client):
    response = client.get(LOGIN)

    assertContains(response, f'action="{reverse("set_language")}" method="post"')
    assertContains(response, 'name="csrfmiddlewaretoken"', count=2)  # switch + login form
    assertContains(response, '<option value="fr" lang="fr">Français</option>', html=True)


def test_switching_to_french_translates_the_roadmap(client, fra_delegate, roadmap):
    client.force_login(fra_delegate)

    response = client.post(reverse("set_language"), {"language": "fr", "next": HOME})

    assertRedirects(response, HOME)
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    home = client.get(HOME)
    assertContains(home, "<h1>Feuille de route</h1>", html=True)
    assertContains(home, "Données de démonstration")
    assertContains(home, "Se déconnecter")
    assert set(texts_of(home.content, "badge--working")) == {
        "Titre provisoire : Pas le libellé officiel de la feuille de route"
    }
    assert holders_by_action(home.content)["LOE-1.KO-1.A-1"][0] == (
        "FRA",
        True,
        "status--on_track",
        "En bonne voie",
        "60%",
    )
    assert texts_of(home.content, "account__membership") == ["FRA Délégué national"]


def test_password_reset_email_follows_the_language_of_the_request(client, fra_delegate):
    client.post(
        reverse("accounts:password_reset"),
        {"email": "fra@example.org"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    [message] = mail.outbox
    assert message.subject.startswith("Choisissez un nouveau mot de passe")
    assert "Pour choisir un nouveau mot de passe, ouvrez ce lien :" in message.body
