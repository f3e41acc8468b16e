"""Token login, the `me` endpoint and authentication failures."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.matrix import assert_status, call
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"


def test_token_round_trip(fra_delegate, world):
    anonymous = APIClient()

    login = call(
        anonymous, "post", TOKEN_URL, {"username": "FRA@example.org ", "password": PASSWORD}
    )

    assert_status(login, 200)
    assert login.data == {"token": Token.objects.get(user=fra_delegate).key}
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {login.data['token']}")
    me = anonymous.get("/api/v1/me/")
    assert_status(me, 200)
    assert me.data["email"] == "fra@example.org"
    again = call(
        APIClient(), "post", TOKEN_URL, {"username": "fra@example.org", "password": PASSWORD}
    )
    assert again.data["token"] == login.data["token"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "fra@example.org", "password": "wrong"}, "non_field_errors"),
        ({"username": "nobody@example.org", "password": PASSWORD}, "non_field_errors"),
        ({"username": "not-an-email", "password": PASSWORD}, "username"),
        ({"password": PASSWORD}, "username"),
        ({"username": "fra@example.org"}, "password"),
    ],
)
def test_bad_credentials_are_400(body, field, fra_delegate):
    response = call(APIClient(), "post", TOKEN_URL, body)

    assert_status(response, 400)
    assert field in response.data
    assert not Token.objects.exists()


def test_bad_credentials_message_is_clear(fra_delegate):
    response = call(
        APIClient(), "post", TOKEN_URL, {"username": "fra@example.org", "password": "x"}
    )

    assert response.data["non_field_errors"] == [
        "Unable to log in with this e-mail address and password."
    ]


def test_inactive_user_gets_no_token(fra_delegate):
    fra_delegate.is_active = False
    fra_delegate.save()

    response = call(
        APIClient(), "post", TOKEN_URL, {"username": "fra@example.org", "password": PASSWORD}
    )

    assert_status(response, 400)


def test_token_login_is_throttled(fra_delegate, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"api-token": "3/minute"})
    client = APIClient()
    codes = [
        call(
            client, "post", TOKEN_URL, {"username": "fra@example.org", "password": "x"}
        ).status_code
        for _attempt in range(4)
    ]

    assert codes == [400, 400, 400, 429]


@pytest.mark.parametrize(
    "header", ["", "Token", "Token not-a-real-token", "Bearer abc", "Token a b"]
)
def test_missing_or_bad_token_is_401(header, world):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/assignments/")

    assert_status(response, 401)
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_of_an_inactive_member_is_refused(fra_delegate, api_client, world):
    client = api_client(fra_delegate)
    fra_delegate.is_active = False
    fra_delegate.save()

    response = client.get("/api/v1/assignments/")

    assert_status(response, 401)
    assert response.data["detail"] == "User inactive or deleted."


def test_a_token_reads_its_memberships_with_it(
    fra_delegate, api_client, world, django_assert_num_queries
):
    client = api_client(fra_delegate)

    # The token, the user and the memberships in one query; then the user's own data.
    with django_assert_num_queries(1) as captured:
        me = client.get("/api/v1/me/")

    assert_status(me, 200)
    assert "authtoken_token" in captured.captured_queries[0]["sql"]
    assert [m["organisation"]["code"] for m in me.data["memberships"]] == ["FRA"]


def test_memberships_of_inactive_organisations_give_no_rights_to_a_token(
    fra_delegate, fra, api_client, world
):
    fra.is_active = False
    fra.save()

    me = api_client(fra_delegate).get("/api/v1/me/")

    # Still the caller (DRF's own check, since no membership counts), but with no rights.
    assert_status(me, 200)
    assert me.data["email"] == "fra@example.org"
    assert me.data["memberships"] == []
    assert me.data["abilities"]["can_view_roadmap"] is False


def test_session_authentication_works(fra_delegate, world):
    client = APIClient()
    client.force_login(fra_delegate)

    assert_status(client.get("/api/v1/assignments/"), 200)


def test_me_for_a_delegate(fra_delegate, client_as):
    data = client_as("fra_delegate").get("/api/v1/me/").data

    assert data["email"] == "fra@example.org"
    assert data["memberships"] == [
        {"organisation": {"code": "FRA", "name": "France", "kind": "ally"}, "role": "delegate"}
    ]
    assert data["abilities"] == {
        "is_secretariat": False,
        "can_view_roadmap": True,
        "can_edit_roadmap": False,
        "can_manage_review_cycles": False,
        "can_submit_best_practice": True,
        "can_review_best_practice": False,
        "can_view_audit_trail": False,
        "can_update_any_assignment": False,
        "readable_releasabilities": ["industry", "nato", "public"],
        "updatable_organisations": ["FRA"],
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("secretariat_user", (True, True, ["industry", "nato", "public"], [])),
        ("niag_member", (False, False, ["industry", "public"], ["NIAG"])),
        ("dipb_member", (False, False, ["industry", "nato", "public"], ["DIPB"])),
        ("observer", (False, False, ["industry", "nato", "public"], [])),
        ("outsider", (False, False, [], [])),
    ],
)
def test_me_abilities_follow_policy(role, expected, client_as):
    abilities = client_as(role).get("/api/v1/me/").data["abilities"]

    assert (
        abilities["can_edit_roadmap"],
        abilities["can_view_audit_trail"],
        abilities["readable_releasabilities"],
        abilities["updatable_organisations"],
    ) == expected


def test_a_session_reads_the_user_with_their_memberships(
    fra_delegate, client, world, django_assert_num_queries
):
    client.force_login(fra_delegate)

    # The session, then the user with memberships, authenticator app and unread count.
    with django_assert_num_queries(2) as captured:
        me = client.get("/api/v1/me/")

    assert_status(me, 200)
    user_sql = captured.captured_queries[1]["sql"]
    assert "accounts_membership" in user_sql and "otp_totp_totpdevice" in user_sql
    assert [m["organisation"]["code"] for m in me.json()["memberships"]] == ["FRA"]


def test_a_session_of_a_user_without_rights_still_signs_them_in(fra_delegate, fra, client):
    fra.is_active = False
    fra.save()
    client.force_login(fra_delegate)

    me = client.get("/api/v1/me/")

    assert_status(me, 200)
    assert me.json()["email"] == "fra@example.org"
    assert me.json()["memberships"] == []
