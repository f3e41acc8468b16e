from rest_framework.routers import SimpleRouter

from tracker.api import views

app_name = "tracker-api"

router = SimpleRouter()
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("status-updates", views.StatusUpdateViewSet, basename="status-update")

urlpatterns = router.urls
