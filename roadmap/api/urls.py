from rest_framework.routers import SimpleRouter

from roadmap.api import material_views, views

app_name = "roadmap-api"

router = SimpleRouter()
router.register("lines-of-effort", views.LineOfEffortViewSet, basename="line")
router.register("key-outcomes", views.KeyOutcomeViewSet, basename="outcome")
router.register("action-items", views.ActionItemViewSet, basename="action")
router.register("materials", material_views.MaterialViewSet, basename="material")
router.register(
    "material-suppliers", material_views.MaterialSupplierViewSet, basename="material-supplier"
)
router.register(
    "material-mitigations", material_views.MaterialMitigationViewSet, basename="material-mitigation"
)

urlpatterns = router.urls
