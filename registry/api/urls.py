from rest_framework.routers import DefaultRouter

from registry.api import views

router = DefaultRouter()
router.register("divisions", views.DivisionViewSet)
router.register("organisations", views.OrganisationViewSet)
router.register("members", views.MemberViewSet)
router.register("activities", views.ActivityViewSet)
router.register("applications", views.ApplicationViewSet)
urlpatterns = router.urls
