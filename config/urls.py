from django.contrib import admin
from django.urls import include, path

from config import health

urlpatterns = [
    path("", include("roadmap.urls")),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("reviews/", include("tracker.urls")),
    path("worklist/", include("tracker.worklist_urls")),
    path("best-practices/", include("tracker.best_practice_urls")),
    path("materials/", include("roadmap.material_urls")),
    path("notifications/", include("tracker.notification_urls")),
    path("calendar/", include("tracker.calendar_urls")),
    path("healthz", health.healthz, name="healthz"),
]

handler404 = "config.errors.not_found"
