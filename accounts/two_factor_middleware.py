"""Keeps a logged-in session that has not given its second factor away from everything else.

Runs after django-otp's OTPMiddleware. A session of a user with an authenticator app that has
not given a code (opened before they enrolled) is sent to the code step; an account that must
have a second factor (accounts.policy) and has none is sent to enrol. API calls get 403
instead of a redirect. Calls with an API token ("Authorization: Token ...") are left to DRF:
tokens are issued by the secretariat through the admin for scripts, and carry no session.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import policy, two_factor


def _token_call(request) -> bool:
    """DRF's TokenAuthentication takes the request when the header's first word is "Token"
    (any case); then the session cookie is never consulted."""
    words = request.META.get("HTTP_AUTHORIZATION", "").split()
    return bool(words) and words[0].lower() == "token"


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self._refusal(request) or self.get_response(request)

    def _open_paths(self) -> tuple[str, ...]:
        return (
            reverse("accounts:login"),
            reverse("accounts:logout"),
            reverse("accounts:two_factor_verify"),
            reverse("accounts:two_factor_setup"),
            reverse("set_language"),
            reverse("healthz"),
            "/" + settings.STATIC_URL.lstrip("/"),
        )

    def _refusal(self, request):
        path = request.path_info
        user = request.user
        if not user.is_authenticated:
            # The admin's own log-in form would skip the code step: use ours.
            if path == reverse("admin:login"):
                return self._redirect("accounts:login", request.GET.get(REDIRECT_FIELD_NAME))
            return None
        if user.is_verified() or path.startswith(self._open_paths()):
            return None
        api = path.startswith("/api/")
        if api and _token_call(request):
            return None
        enrolled = two_factor.has_second_factor(user)
        if not enrolled and not policy.requires_second_factor(user):
            return None
        if api:
            return JsonResponse(
                {"detail": _("Log in with your second factor first, or use an API token.")},
                status=403,
            )
        target = "accounts:two_factor_verify" if enrolled else "accounts:two_factor_setup"
        return self._redirect(target, request.get_full_path())

    @staticmethod
    def _redirect(view_name: str, next_url: str | None):
        url = reverse(view_name)
        if next_url:
            url += "?" + urlencode({REDIRECT_FIELD_NAME: next_url})
        return HttpResponseRedirect(url)
