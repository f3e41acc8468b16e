"""Account pages beyond Django's own log-in views: the secretariat's list of lock-outs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import lockout, policy


def _require_unlocker(user) -> None:
    if not policy.can_unlock_logins(user):
        raise PermissionDenied


@login_required
@require_GET
def lockout_list(request):
    _require_unlocker(request.user)
    return render(
        request,
        "accounts/lockouts.html",
        {"lockouts": lockout.current_lockouts(), "failure_limit": lockout.failure_limit()},
    )


@login_required
@require_POST
def lockout_unlock(request, pk: int):
    _require_unlocker(request.user)
    removed = lockout.unlock(
        actor=request.user, attempt_id=pk, remote_addr=lockout.client_ip(request)
    )
    if removed:
        messages.success(request, _("Unlocked. The account and the address can log in again."))
    else:
        messages.warning(request, _("That lock-out had already been lifted."))
    return redirect("accounts:lockouts")
