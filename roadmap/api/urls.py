from rest_framework.routers import SimpleRouter

from roadmap.api import views

app_name = "roadmap-api"

router = SimpleRouter()
router.register("lines-of-effort", views.LineOfEffortViewSet, basename="line")
router.register("key-outcomes", views.KeyOutcomeViewSet, basename="outcome")
router.register("action-items", views.ActionItemViewSet, basename="action")

urlpatterns = router.urls
