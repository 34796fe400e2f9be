from rest_framework.routers import DefaultRouter

from registry.api.views import DivisionViewSet

router = DefaultRouter()
router.register("divisions", DivisionViewSet)
urlpatterns = router.urls
