"""Two-factor authentication: enrolment, code checks, recovery codes and resets.

Each user has at most one authenticator app (a django-otp TOTP device) and, with it, one set of
one-time recovery codes (a static device). Who must have them is accounts.policy's decision;
the middleware in accounts.two_factor_middleware enforces it on every request. Devices throttle
wrong codes themselves (1, 2, 4... seconds); the views also count each wrong code as a failed
log-in, so the account lock-out and the audit trail see them.
"""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts import policy
from accounts.lockout import _record as record_access_event

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# The code a phone shows is checked against this many 30-second steps either side of ours.
TOLERANCE_STEPS = 1

ENABLED_EVENT = "two_factor_enabled"
DISABLED_EVENT = "two_factor_disabled"
RESET_EVENT = "two_factor_reset"
RECOVERY_CODES_EVENT = "recovery_codes_renewed"
# The demo secretariat's authenticator key (RFC 6238's test key "12345678901234567890"):
# public on purpose, so a newcomer can log in; never installed in production.
DEMO_SECRET = "3132333435363738393031323334353637383930"


class InvalidCode(Exception):
    """The confirmation code does not match the secret being enrolled."""


def enrolled_expression(user: str = "pk") -> Exists:
    """True for a user (the outer row's `user` column) with a confirmed authenticator app."""
    return Exists(TOTPDevice.objects.filter(user=OuterRef(user), confirmed=True))


def remember_enrolment(user, enrolled: bool) -> None:
    user._has_second_factor = enrolled


def has_second_factor(user) -> bool:
    """Whether the user has a confirmed authenticator app; cached on the user for the request
    (accounts.backends loads it with the user)."""
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_has_second_factor", None)
    if cached is None:
        cached = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        remember_enrolment(user, cached)
    return cached


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# Enrolment


def new_secret() -> str:
    """A fresh TOTP secret (hex, 20 random bytes as RFC 6238 suggests for SHA-1)."""
    return random_hex(20)


def provisioning_uri(user, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return TOTPDevice(user=user, key=secret).config_url


def readable_secret(secret: str) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    text = b32encode(unhexlify(secret)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_code_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URI, drawn here so the page loads nothing from elsewhere
    and needs no script (the CSP allows data: images)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#0b2a4a")


def _matching_step(secret: str, code: str) -> int | None:
    """The time step at which `code` is the secret's code, within the tolerance, or None."""
    code = normalise_code(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = TOTP(unhexlify(secret))
    totp.time = time.time()
    if not totp.verify(int(code), tolerance=TOLERANCE_STEPS):
        return None
    return totp.t()


@transaction.atomic
def enrol_authenticator(
    *, user, secret: str, code: str, remote_addr: str | None
) -> tuple[TOTPDevice, list[str]]:
    """Makes `secret` the user's authenticator app once `code` proves the app holds it, and
    issues fresh recovery codes. A wrong code raises InvalidCode and changes nothing."""
    step = _matching_step(secret, code)
    if step is None:
        raise InvalidCode
    _lock(user)
    TOTPDevice.objects.filter(user=user).delete()
    # last_t: the confirmation code cannot be replayed at the next log-in.
    device = TOTPDevice.objects.create(
        user=user, name=TOTP_DEVICE_NAME, key=secret, confirmed=True, last_t=step
    )
    codes = _replace_recovery_codes(user)
    remember_enrolment(user, True)
    record_access_event(
        event=ENABLED_EVENT,
        actor=user,
        user=user,
        username=user.get_username(),
        remote_addr=remote_addr,
    )
    return device, codes


def give_demo_authenticator(*, user) -> TOTPDevice:
    """The demo data's authenticator app, with the published DEMO_SECRET. Production refuses:
    there every account enrols its own phone."""
    if settings.PRODUCTION:
        raise ImproperlyConfigured("The demo authenticator key is not for production.")
    device, _created = TOTPDevice.objects.update_or_create(
        user=user,
        name=TOTP_DEVICE_NAME,
        defaults={"key": DEMO_SECRET, "confirmed": True},
    )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return device


def demo_code() -> tuple[str, int]:
    """The demo key's code now, and for how many more seconds it is shown."""
    totp = TOTP(unhexlify(DEMO_SECRET))
    totp.time = time.time()
    return f"{totp.token():06d}", totp.step - int(totp.time) % totp.step


def _lock(user) -> None:
    """Serialises the writes to one user's devices (two tabs enrolling at once)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


def _replace_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def renew_recovery_codes(*, user, remote_addr: str | None) -> list[str]:
    """New recovery codes; every old one stops working."""
    _lock(user)
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise PermissionDenied
    codes = _replace_recovery_codes(user)
    record_access_event(
        event=RECOVERY_CODES_EVENT,
        actor=user,
        user=user,
        username=user.get_username(),
        remote_addr=remote_addr,
    )
    return codes


def _remove_devices(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    remember_enrolment(user, False)


@transaction.atomic
def disable_second_factor(*, user, remote_addr: str | None) -> None:
    """Switches the user's own second factor off, where the policy lets them."""
    if not policy.can_disable_second_factor(user):
        raise PermissionDenied
    _clear(user, actor=user, event=DISABLED_EVENT, remote_addr=remote_addr)


@transaction.atomic
def reset_second_factor(*, actor, user, remote_addr: str | None) -> None:
    """Clears another user's second factor (lost phone). Their sessions stop counting as
    verified at once; one who must have it is sent to enrol again at the next request."""
    if not policy.can_reset_second_factor(actor, user):
        raise PermissionDenied
    _clear(user, actor=actor, event=RESET_EVENT, remote_addr=remote_addr)


def _clear(user, *, actor, event: str, remote_addr: str | None) -> None:
    """Removes the user's devices and records who did it."""
    _lock(user)
    _remove_devices(user)
    record_access_event(
        event=event, actor=actor, user=user, username=user.get_username(), remote_addr=remote_addr
    )


# The code step of a log-in


def normalise_code(code: str) -> str:
    """Codes are read without spaces or dashes and in lower case, as people copy them."""
    return "".join(code.split()).replace("-", "").lower()


@dataclass(frozen=True)
class CodeCheck:
    device: Device | None
    throttled: bool = False


@transaction.atomic
def check_code(*, user, code: str) -> CodeCheck:
    """Checks a 6-digit app code or a recovery code (used up on success). While a device is
    throttled after wrong codes it refuses even the right one."""
    code = normalise_code(code)
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    devices = list(model.objects.select_for_update().filter(user=user, confirmed=True))
    if not devices or not has_second_factor(user):
        return CodeCheck(device=None)
    if any(not device.verify_is_allowed()[0] for device in devices):
        return CodeCheck(device=None, throttled=True)
    for device in devices:
        if device.verify_token(code):
            return CodeCheck(device=device)
    return CodeCheck(device=None)
