"""The log-in's code step and the pages where people manage their second factor.

A password alone opens no session for a user with an authenticator app: the password step only
remembers who passed it (for TWO_FACTOR_PENDING_SECONDS), and the code step logs them in.
"""

import time

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model, user_login_failed
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import lockout, policy, two_factor
from accounts.forms import EmailAuthenticationForm
from accounts.two_factor_forms import CodeForm, ConfirmEnrolmentForm

PENDING_KEY = "two_factor_pending"
SETUP_SECRET_KEY = "two_factor_setup_secret"
NEW_CODES_KEY = "two_factor_new_recovery_codes"


class PasswordStepLoginView(auth_views.LoginView):
    """The e-mail and password step (behind django-axes). A user with an authenticator app is
    sent on to the code step instead of being logged in."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not two_factor.has_second_factor(user):
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "since": time.time(),
            "next": self.get_success_url(),
        }
        return redirect("accounts:two_factor_verify")


def _pending_user(request):
    """The user who passed the password step in this session, while it is still recent."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("since", 0) > settings.TWO_FACTOR_PENDING_SECONDS:
        del request.session[PENDING_KEY]
        return None
    return get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """The code step: after the password, or for a session opened before the user enrolled."""
    if request.user.is_authenticated:
        if request.user.is_verified():
            return redirect(_safe_next(request, request.GET.get(REDIRECT_FIELD_NAME)))
        if not two_factor.has_second_factor(request.user):
            return redirect("accounts:two_factor_setup")
        user, next_url = request.user, request.GET.get(REDIRECT_FIELD_NAME)
    else:
        user = _pending_user(request)
        if user is None:
            messages.info(request, _("Please log in again."))
            return redirect(settings.LOGIN_URL)
        next_url = request.session[PENDING_KEY].get("next")
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        return lockout.lockout_response(request, credentials=credentials)

    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = two_factor.check_code(user=user, code=form.cleaned_data["code"])
        if check.device is not None:
            return _complete_log_in(request, user, check.device, next_url)
        # Counted and recorded as a failed log-in: the lock-out applies to codes too.
        user_login_failed.send(
            sender=__name__, credentials={**credentials, "second_factor": True}, request=request
        )
        if check.throttled:
            form.add_error(
                "code", _("Too many wrong codes in a row. Wait a minute, then try again.")
            )
        else:
            form.add_error("code", _("That code is not right, or it has already been used."))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "account": user})


def _complete_log_in(request, user, device, next_url):
    if not request.user.is_authenticated:
        pending = request.session.pop(PENDING_KEY)
        auth_login(request, user, backend=pending["backend"])
    django_otp.login(request, device)
    if isinstance(device, StaticDevice):
        left = two_factor.recovery_codes_left(user)
        messages.warning(
            request,
            _(
                "You used a recovery code; %(left)d left. Make new ones on the two-factor "
                "authentication page if you are running out."
            )
            % {"left": left},
        )
    return redirect(_safe_next(request, next_url))


@login_required
@require_http_methods(["GET"])
def manage(request):
    """The user's own two-factor page, under the account menu."""
    enrolled = two_factor.has_second_factor(request.user)
    return render(
        request,
        "accounts/two_factor_manage.html",
        {
            "enrolled": enrolled,
            "required": policy.requires_second_factor(request.user),
            "may_disable": policy.can_disable_second_factor(request.user),
            "codes_left": two_factor.recovery_codes_left(request.user) if enrolled else 0,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Enrol an authenticator app: scan, confirm with a code, then see the recovery codes.

    The secret waits in the session until a code confirms it, so a wrong code leaves the
    account exactly as it was. Replacing an app needs a session that gave the current one.
    """
    user = request.user
    if two_factor.has_second_factor(user) and not user.is_verified():
        return redirect("accounts:two_factor_verify")
    secret = request.session.get(SETUP_SECRET_KEY) or two_factor.new_secret()
    request.session[SETUP_SECRET_KEY] = secret

    form = ConfirmEnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.enrol_authenticator(
                user=user,
                secret=secret,
                code=form.cleaned_data["code"],
                remote_addr=lockout.client_ip(request),
            )
        except two_factor.InvalidCode:
            form.add_error(
                "code",
                _("That code does not match. Check the app shows this account and try again."),
            )
        else:
            del request.session[SETUP_SECRET_KEY]
            django_otp.login(request, device)
            request.session[NEW_CODES_KEY] = codes
            messages.success(request, _("Two-factor authentication is on."))
            return redirect("accounts:two_factor_recovery_codes")

    uri = two_factor.provisioning_uri(user, secret)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_code": two_factor.qr_code_data_uri(uri),
            "secret_text": two_factor.readable_secret(secret),
            "replacing": two_factor.has_second_factor(user),
            "required": policy.requires_second_factor(user),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """Shows new recovery codes once: they wait in the session only until this page shows
    them. A POST replaces them."""
    if not two_factor.has_second_factor(request.user):
        return redirect("accounts:two_factor_setup")
    if request.method == "POST":
        request.session[NEW_CODES_KEY] = two_factor.renew_recovery_codes(
            user=request.user, remote_addr=lockout.client_ip(request)
        )
        messages.success(request, _("New recovery codes made; the old ones no longer work."))
        return redirect("accounts:two_factor_recovery_codes")
    return render(
        request,
        "accounts/two_factor_recovery_codes.html",
        {"codes": request.session.pop(NEW_CODES_KEY, None)},
    )


@login_required
@require_POST
def disable(request):
    """Refused (403) for those whose role requires it; the page offers them no button."""
    two_factor.disable_second_factor(user=request.user, remote_addr=lockout.client_ip(request))
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("accounts:two_factor")
