"""Shared fixtures. Service-backed tests skip locally without their URL and fail in CI."""

import os

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import OrganisationKind, Role
from tests import factories
from tests.browser_support import CHROMIUM, launched_chromium
from tests.two_factor_support import give_authenticator

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    redis_state = "REDIS_URL set" if settings.REDIS_URL else "no REDIS_URL"
    return f"database: {engine} ({settings.DATABASES['default']['NAME']}); redis: {redis_state}"


def _require(condition: bool, why: str):
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{why} — CI must provide it; refusing to skip.", pytrace=False)
    pytest.skip(why)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        _require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    if item.get_closest_marker("redis"):
        _require(bool(settings.REDIS_URL), "needs Redis (set REDIS_URL)")


@pytest.fixture(scope="session", autouse=True)
def close_stray_connections(django_db_setup, django_db_blocker):
    """Threads that tests start (an in-process Celery worker, concurrent passes) may leave a
    PostgreSQL session open on the test database; end them so it can be dropped at the end."""
    yield
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def chromium():
    """Debian's Chromium for browser tests; skips locally without it, fails in CI."""
    _require(CHROMIUM.exists(), f"needs Chromium at {CHROMIUM}")
    with launched_chromium() as browser:
        yield browser


@pytest.fixture(autouse=True)
def default_language_after_each_test():
    """A request in French leaves French active in the test's thread (LocaleMiddleware does
    not switch back); a later test calling a translated function directly would read it."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def page_cache(settings):
    """The cache of page parts kept against the data version (tracker.data_version), on and
    empty, for the tests of a cached page."""
    settings.PAGE_CACHE_SECONDS = 300
    caches["pages"].clear()
    yield
    caches["pages"].clear()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Fixture users get passwords; the production hasher would cost ~0.5 s for each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def test_logins_count_as_verified(monkeypatch):
    """Client.login() and force_login() skip the log-in form, and so its code step: the session
    they open for a user with an authenticator app counts as having given the code.

    Like skipping the password, this is a test shortcut only. Users without an app stay
    unverified, so the secretariat's rule still applies; tests/accounts/test_two_factor*.py go
    through the real password and code steps.
    """
    original = Client._login

    def login_verified(self, user, backend=None):
        original(self, user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "_login", login_verified)


@pytest.fixture
def secretariat_org(db):
    return factories.OrganisationFactory(
        code="NSEC", name="Roadmap Secretariat", kind=OrganisationKind.SECRETARIAT, iso3=""
    )


@pytest.fixture
def fra(db):
    return factories.AllyFactory(code="FRA", name="France", iso3="FRA")


@pytest.fixture
def deu(db):
    return factories.AllyFactory(code="DEU", name="Germany", iso3="DEU")


@pytest.fixture
def dipb(db):
    return factories.OrganisationFactory(
        code="DIPB", name="Defence Industrial Production Board", kind=OrganisationKind.BOARD
    )


@pytest.fixture
def niag(db):
    return factories.OrganisationFactory(
        code="NIAG", name="NATO Industrial Advisory Group", kind=OrganisationKind.INDUSTRY_GROUP
    )


@pytest.fixture
def secretariat_user(secretariat_org):
    """Enrolled in two-factor authentication, as the secretariat must be."""
    user = factories.member(secretariat_org, Role.SECRETARIAT, email="sec@example.org")
    give_authenticator(user)
    return user


@pytest.fixture
def fra_delegate(fra):
    return factories.member(fra, Role.DELEGATE, email="fra@example.org")


@pytest.fixture
def deu_delegate(deu):
    return factories.member(deu, Role.DELEGATE, email="deu@example.org")


@pytest.fixture
def dipb_member(dipb):
    return factories.member(dipb, Role.BOARD_MEMBER, email="dipb@example.org")


@pytest.fixture
def niag_member(niag):
    return factories.member(niag, Role.INDUSTRY_MEMBER, email="niag@example.org")


@pytest.fixture
def observer(fra):
    return factories.member(fra, Role.OBSERVER, email="observer@example.org")
