from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("Tracker")

    def ready(self):
        from tracker import audit, data_version

        audit.register_models()
        post_migrate.connect(data_version.install_triggers, sender=self)
