"""Security headers on every page, and templates the Content-Security-Policy can live with."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.template.loaders.app_directories import get_app_template_dirs
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

CSP_PARTS = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
]


def _paths_without_arguments(patterns=None, prefix="") -> list[str]:
    """Every URL of the project that needs no argument, found from the URL configuration."""
    paths = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if "<" in route or "(?P" in route or route.startswith("^"):
            continue
        if isinstance(entry, URLResolver):
            paths += _paths_without_arguments(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            paths.append("/" + prefix + route)
    return sorted(set(paths))


PAGES = _paths_without_arguments()


def test_the_walk_finds_the_pages():
    assert {"/", "/accounts/login/", "/accounts/audit/", "/api/docs/", "/healthz"} <= set(PAGES)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_the_security_headers(client, secretariat_user, path):
    client.force_login(secretariat_user)

    response = client.get(path)

    policy = response.headers.get("Content-Security-Policy", "")
    for part in CSP_PARTS:
        assert part in policy, f"{path}: {part!r} missing from {policy!r}"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_anonymous_pages_and_errors_carry_the_policy_too(client, db):
    for path in ["/accounts/login/", "/no-such-page/", "/api/v1/me/"]:
        assert "frame-ancestors 'none'" in client.get(path).headers["Content-Security-Policy"]


def _templates() -> list[Path]:
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [Path(d) for d in get_app_template_dirs("templates") if "site-packages" not in str(d)]
    return sorted({path for root in roots for path in root.rglob("*.html")})


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.DOTALL)
JAVASCRIPT_URL = re.compile(r"""href\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def test_there_are_templates_to_scan():
    assert len(_templates()) > 20


@pytest.mark.parametrize("template", _templates(), ids=lambda path: path.name)
def test_no_template_has_inline_script_or_style(template):
    text = COMMENT.sub("", template.read_text())

    assert not INLINE_SCRIPT.findall(text), f"{template}: inline <script> (CSP blocks it)"
    assert not INLINE_STYLE.findall(text), f"{template}: inline style (CSP blocks it)"
    assert not EVENT_HANDLER.findall(text), f"{template}: on...= handler (CSP blocks it)"
    assert not JAVASCRIPT_URL.findall(text), f"{template}: javascript: link (CSP blocks it)"


def test_the_session_ends_after_inactivity_and_each_request_extends_it(
    client, fra_delegate, settings
):
    """SESSION_COOKIE_AGE counts from the last request (config.middleware.SlidingSession)."""
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert timedelta(0) < age <= timedelta(hours=12)
    start = timezone.now()
    minute = timedelta(minutes=1)
    with time_machine.travel(start):
        client.force_login(fra_delegate)
    with time_machine.travel(start + age - minute):
        assert client.get("/").status_code == 200, "still active: the session is kept"
    with time_machine.travel(start + 2 * age - 2 * minute):
        assert client.get("/").status_code == 200, "the last request extended it"
    with time_machine.travel(start + 3 * age):
        response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_busy_session_is_written_at_most_once_a_minute(client, fra_delegate, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(fra_delegate)
        client.get("/")
    expiry = Session.objects.get().expire_date

    with (
        time_machine.travel(start + timedelta(seconds=30), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        assert client.get("/").status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert Session.objects.get().expire_date == expiry

    later = start + timedelta(seconds=settings.SESSION_TOUCH_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert client.get("/").status_code == 200
    assert Session.objects.get().expire_date == later + timedelta(
        seconds=settings.SESSION_COOKIE_AGE
    )
