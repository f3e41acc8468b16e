from rest_framework.routers import SimpleRouter

from tracker.api import best_practice_views, notification_views, views

app_name = "tracker-api"

router = SimpleRouter()
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("status-updates", views.StatusUpdateViewSet, basename="status-update")
router.register("best-practices", best_practice_views.BestPracticeViewSet, basename="best-practice")
router.register(
    "best-practice-attachments",
    best_practice_views.BestPracticeAttachmentViewSet,
    basename="best-practice-attachment",
)
router.register("notifications", notification_views.NotificationViewSet, basename="notification")

urlpatterns = router.urls
