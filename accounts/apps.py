from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from django.contrib.auth import user_logged_in

        from accounts import lockout  # noqa: F401 - connects the log-in audit receivers
        from config.middleware import session_saved_at_login

        user_logged_in.connect(session_saved_at_login, dispatch_uid="config.session_at_login")
