"""API token check."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts import policy


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token check, reading the caller's memberships in the same query.

    Every API call asks the policy for them next; read with the token, they save each call a
    query and its round trip. A user with no membership has no row there and is checked
    by DRF's own query, with DRF's answers for an unknown token or an inactive user.
    """

    def authenticate_credentials(self, key):
        rows = list(
            policy.membership_rows()
            .filter(user__auth_token__key=key)
            .select_related("user__auth_token")
        )
        if not rows:
            return super().authenticate_credentials(key)
        user = rows[0].user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        policy.remember_memberships(user, rows)
        return user, user.auth_token
