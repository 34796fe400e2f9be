from rest_framework.routers import SimpleRouter

from reports.api.views import KpiViewSet

router = SimpleRouter()
router.register("kpis", KpiViewSet, basename="kpi")
urlpatterns = router.urls
