"""Second-factor helpers for tests: give a user an authenticator app and read its code."""

import time

from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor


def give_authenticator(user) -> TOTPDevice:
    """A confirmed authenticator app for `user`, as if they had enrolled."""
    return TOTPDevice.objects.create(
        user=user, name=two_factor.TOTP_DEVICE_NAME, key=two_factor.new_secret(), confirmed=True
    )


def code_for(secret: str, *, after_step: int = -1) -> str:
    """The code an app holding `secret` shows now, or at the first step after `after_step`
    when that one was already used (a device accepts each step once, within a step either
    side of now)."""
    totp = TOTP(bytes.fromhex(secret))
    totp.time = time.time()
    totp.drift = max(0, after_step + 1 - totp.t())
    return f"{totp.token():06d}"


def current_code(user) -> str:
    """The next code the user's authenticator app would give that the device accepts."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return code_for(device.key, after_step=device.last_t)


def answer_code_step(page, email: str) -> None:
    """In a browser test, after the password step: enter the app's code if it is asked."""
    page.wait_for_load_state()
    if "/accounts/login/code/" in page.url:
        user = get_user_model().objects.get(email=email.strip().lower())
        page.get_by_label("Code").fill(current_code(user))
        page.get_by_role("button", name="Verify").click()
