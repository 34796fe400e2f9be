from rest_framework.routers import SimpleRouter

from oversight.api.views import AnnualReportViewSet, CreditListEntryViewSet, DormancyCaseViewSet

router = SimpleRouter()
router.register("annual-reports", AnnualReportViewSet, basename="annual-report")
router.register("credit-list-entries", CreditListEntryViewSet, basename="credit-list-entry")
router.register("dormancy-cases", DormancyCaseViewSet, basename="dormancy-case")
urlpatterns = router.urls
