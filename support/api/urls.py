from rest_framework.routers import SimpleRouter

from support.api import views

router = SimpleRouter()
router.register("support-platforms", views.PlatformViewSet)
router.register("support-residencies", views.ResidencyViewSet)
router.register("support-stages", views.StagePeriodViewSet)
router.register("support-services", views.SupportServiceViewSet)
router.register("funding-programmes", views.ProgrammeViewSet)
router.register("funding-rounds", views.RoundViewSet)
router.register("funded-projects", views.ProjectViewSet)
router.register("community-funds", views.FundViewSet)
router.register("fund-donations", views.DonationViewSet)
router.register("training-programmes", views.TrainingProgrammeViewSet)
router.register("training-sessions", views.TrainingSessionViewSet)
router.register("training-attendances", views.AttendanceViewSet)
router.register("subcommittee-recommendations", views.RecommendationViewSet)
router.register("pairings", views.PairingViewSet)
urlpatterns = router.urls
