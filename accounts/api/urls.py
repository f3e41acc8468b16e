from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import views

app_name = "accounts-api"

router = SimpleRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")

urlpatterns = [
    path("auth/token/", views.EmailObtainAuthToken.as_view(), name="token"),
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]
