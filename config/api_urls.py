"""The REST API (/api/v1/), its OpenAPI schema and docs served from local assets."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("v1/", include("accounts.api.urls")),
    path("v1/", include("roadmap.api.urls")),
    path("v1/", include("tracker.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
