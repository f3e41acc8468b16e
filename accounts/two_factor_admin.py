"""The secretariat's way to clear a user's second factor (lost phone) from the admin.

django-otp's own device admins are removed: they would show the secrets and let a change skip
the policy and the audit trail. The user list gets an action that goes through the service.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import lockout, two_factor

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.action(description=_("Reset two-factor authentication (lost phone)"))
def reset_second_factor(modeladmin, request, queryset):
    done, refused = 0, 0
    for user in queryset:
        try:
            two_factor.reset_second_factor(
                actor=request.user, user=user, remote_addr=lockout.client_ip(request)
            )
        except PermissionDenied:
            refused += 1
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request,
            ngettext(
                "Two-factor authentication reset for %(count)d user; they enrol again at "
                "their next log-in if their role requires it.",
                "Two-factor authentication reset for %(count)d users; they enrol again at "
                "their next log-in if their role requires it.",
                done,
            )
            % {"count": done},
            messages.SUCCESS,
        )
    if refused:
        modeladmin.message_user(
            request,
            _("You cannot reset your own two-factor authentication here."),
            messages.ERROR,
        )
