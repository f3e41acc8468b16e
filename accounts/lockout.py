"""Log-in throttling (django-axes) and the record of every log-in in the audit trail.

Axes counts failures per account and per address; past AXES_FAILURE_LIMIT either one is refused
for AXES_COOLOFF_TIME, or until the secretariat unlocks it. Successful and failed log-ins are
written to the same audit trail as every change, so one page answers "who got in, and when".
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth import get_user_model, user_logged_in, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException

LOGIN_EVENT = "login"
LOGIN_FAILED_EVENT = "login_failed"
UNLOCK_EVENT = "unlock"


class LockoutBackend(AxesStandaloneBackend):
    """Axes' gate in front of the password check.

    A call without a request (Django's test client `login()`, a shell) carries no address to
    count. Production refuses it like axes does; development lets it through to the password
    check, so tests that log in with the test client keep working.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None and not settings.LOGIN_LOCKOUT_REQUIRES_REQUEST:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def username_of(request, credentials: dict | None) -> str | None:
    """The account a log-in names, spelled as the login form stores it (trimmed, lower case),
    so `Sec@Example.org` and `sec@example.org` count against one account."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = getattr(request, "data", request.POST).get("username")
    if not isinstance(raw, str) or not raw.strip():
        return None
    return raw.strip().lower()[:255]


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT reverse proxies, the
    X-Forwarded-For entry the outermost proxy added (entries left of it can be forged)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies and _is_ip(forwarded[-proxies]):
            return forwarded[-proxies]
    remote = request.META.get("REMOTE_ADDR", "")
    return remote if _is_ip(remote) else None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


class ClientAddressAuditlogMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, recording the address client_ip() trusts. Its own takes
    the left-most X-Forwarded-For entry, which any client can write, and which, when it is not
    an address at all, makes every audited write fail on PostgreSQL."""

    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request)


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed log-ins for this account or from this address. Log-in is locked for "
        "%(minutes)d minutes; the secretariat can unlock it sooner."
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out log-in gets: 429 with the reason, as JSON for the API and as the
    log-in page's lock-out notice for people."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status.HTTP_429_TOO_MANY_REQUESTS)
    return render(
        request,
        "accounts/locked_out.html",
        {"message": message, "username": username_of(request, credentials) or ""},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
    )


class LoginLockedOut(APIException):
    """The API token endpoint's answer when axes has locked the account or address."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self):
        super().__init__(detail=lockout_message())


# The secretariat's view of lock-outs


def failure_limit() -> int:
    return settings.AXES_FAILURE_LIMIT


@dataclass(frozen=True)
class Lockout:
    pk: int
    username: str
    ip_address: str
    failures: int
    last_attempt_at: datetime
    locked_until: datetime


def current_lockouts() -> list[Lockout]:
    """Failure records at or past the limit whose cool-off has not run out, newest first."""
    cool_off = get_cool_off() or settings.AXES_COOLOFF_TIME
    since = timezone.now() - cool_off
    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time", "-pk")
    return [
        Lockout(
            pk=attempt.pk,
            username=attempt.username or "",
            ip_address=attempt.ip_address or "",
            failures=attempt.failures_since_start,
            last_attempt_at=attempt.attempt_time,
            locked_until=attempt.attempt_time + cool_off,
        )
        for attempt in attempts
    ]


def unlock(*, actor, attempt_id: int, remote_addr: str | None) -> int:
    """Clears the failures of the account and the address of one lock-out, and records who
    did it. Returns how many failure records were removed (0 when it was already gone)."""
    with transaction.atomic():
        attempt = AccessAttempt.objects.select_for_update().filter(pk=attempt_id).first()
        if attempt is None:
            return 0
        removed = 0
        if attempt.username:
            removed += reset(username=attempt.username)
        if attempt.ip_address:
            removed += reset(ip=attempt.ip_address)
        _record(
            event=UNLOCK_EVENT,
            actor=actor,
            user=_user_named(attempt.username),
            username=attempt.username or "",
            remote_addr=remote_addr,
            details={"unlocked_address": attempt.ip_address or ""},
        )
    return removed


# Log-ins in the audit trail


def _user_named(username: str | None):
    if not username:
        return None
    return get_user_model().objects.filter(email__iexact=username).first()


def _record(*, event: str, actor, user, username: str, remote_addr: str | None, details=None):
    """One ACCESS entry on the user (or, for an unknown e-mail, on no object)."""
    User = get_user_model()
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        object_pk=str(user.pk) if user else "",
        object_id=user.pk if user else None,
        object_repr=(str(user) if user else username)[:200],
        action=LogEntry.Action.ACCESS,
        actor=actor,
        actor_email=getattr(actor, "email", None),
        remote_addr=remote_addr,
        changes_text=event,
        additional_data={"event": event, "username": username, **(details or {})},
    )


@receiver(user_logged_in, dispatch_uid="accounts.lockout.record_login")
def record_login(sender, request, user, **kwargs):
    _record(
        event=LOGIN_EVENT,
        actor=user,
        user=user,
        username=user.get_username(),
        remote_addr=client_ip(request) if request is not None else None,
    )


@receiver(user_login_failed, dispatch_uid="accounts.lockout.record_login_failure")
def record_login_failure(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    username = username_of(request, credentials) or ""
    _record(
        event=LOGIN_FAILED_EVENT,
        actor=None,
        user=_user_named(username),
        username=username,
        remote_addr=client_ip(request),
        details={
            "locked_out": bool(getattr(request, "axes_locked_out", False)),
            # A wrong code at the log-in's second step (accounts.two_factor_views).
            "second_factor": bool((credentials or {}).get("second_factor")),
        },
    )
