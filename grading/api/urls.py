from rest_framework.routers import SimpleRouter

from grading.api import views

router = SimpleRouter()
router.register("assessment-campaigns", views.AssessmentCampaignViewSet)
router.register("assessment-applications", views.AssessmentApplicationViewSet)
router.register("assessment-scores", views.ExpertScoreViewSet)
router.register("assessment-experts", views.ExpertViewSet)
router.register("assessment-panels", views.ExpertPanelViewSet)
router.register("grade-awards", views.GradeAwardViewSet)
router.register("sanctions", views.SanctionViewSet)
router.register("evaluations", views.EvaluationViewSet)
router.register("evaluation-results", views.EvaluationResultViewSet)
urlpatterns = router.urls
