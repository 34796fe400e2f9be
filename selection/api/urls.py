from rest_framework.routers import SimpleRouter

from selection.api import views

router = SimpleRouter()
router.register("selection/campaigns", views.CampaignViewSet)
router.register("selection/stages", views.StageViewSet)
router.register("selection/entries", views.EntryViewSet)
router.register("selection/assignments", views.AssignmentViewSet)
router.register("selection/sheets", views.ScoreSheetViewSet)
router.register("selection/objections", views.ObjectionViewSet)
router.register("selection/reviews", views.ReviewViewSet, basename="selection-review")
router.register("selection/public", views.PublicResultViewSet, basename="selection-public")
urlpatterns = router.urls
