from rest_framework.routers import SimpleRouter

from voting.api import views

router = SimpleRouter()
router.register("voting/votes", views.VoteViewSet)
router.register("voting/public", views.PublicVoteViewSet, basename="voting-public")
urlpatterns = router.urls
