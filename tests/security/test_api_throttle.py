"""API rate limits: per user, a clear 429 with Retry-After, and no outage when Redis is away."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.throttling import AnonRateThrottle, UserRateThrottle

ME = "/api/v1/me/"


def client_for(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def clock(monkeypatch):
    """The throttles' clock, pinned 30 s before a minute ends (counts are per minute)."""
    now = {"t": 60 * 16_667 + 30.0}
    for throttle in (UserRateThrottle, AnonRateThrottle):
        monkeypatch.setattr(throttle, "timer", lambda self: now["t"])
    return now


@pytest.fixture
def rates(monkeypatch):
    """DRF reads the rates once at import; tests lower them for the length of one test."""

    def set_rate(scope, rate):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, rate)

    return set_rate


def test_the_defaults_are_generous_and_set(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates["user"] == "600/minute"
    assert rates["anon"] == "60/minute"


def test_a_user_past_the_rate_gets_429_with_a_reason_and_retry_after(
    rates, clock, fra_delegate, deu_delegate
):
    rates("user", "3/minute")
    fra = client_for(fra_delegate)
    assert [fra.get(ME).status_code for _ in range(3)] == [200, 200, 200]

    refused = fra.get(ME)

    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Request was throttled.")
    assert refused["Retry-After"] == "30"  # the rest of the minute
    # The limit is per user: another person is not held back.
    assert client_for(deu_delegate).get(ME).status_code == 200
    # When the minute is over, so is the wait.
    clock["t"] += 30
    assert fra.get(ME).status_code == 200


def test_many_calls_cost_the_cache_one_small_counter(rates, clock, fra_delegate):
    """The count is kept as one number per user and minute, not one entry per call."""
    rates("user", "1000/minute")
    fra = client_for(fra_delegate)
    assert all(fra.get(ME).status_code == 200 for _ in range(40))

    key = f"throttle_user_{fra_delegate.pk}_{int(clock['t'] // 60)}"
    assert cache.get(key) == 40


def test_anonymous_calls_are_limited_per_address(rates, clock, db):
    rates("anon", "2/minute")
    anonymous = APIClient()

    codes = [anonymous.get("/api/schema/").status_code for _ in range(3)]

    assert codes == [200, 200, 429]


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
)
def test_with_the_cache_unreachable_the_api_still_answers(fra_delegate):
    assert client_for(fra_delegate).get(ME).status_code == 200
