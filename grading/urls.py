from django.urls import path

from grading import views

app_name = "grading"

urlpatterns = [
    path("", views.GradingHomeView.as_view(), name="home"),
    path("campaigns/", views.CampaignListView.as_view(), name="campaign-list"),
    path("campaigns/new/", views.CampaignCreateView.as_view(), name="campaign-create"),
    path("campaigns/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign-detail"),
    path(
        "campaigns/<int:pk>/eligibility/",
        views.CampaignEligibilityView.as_view(),
        name="campaign-eligibility",
    ),
    path("campaigns/<int:pk>/apply/", views.CampaignApplyView.as_view(), name="campaign-apply"),
    path("campaigns/<int:pk>/panels/new/", views.PanelCreateView.as_view(), name="panel-create"),
    path(
        "campaigns/<int:pk>/results.xlsx",
        views.CampaignExportView.as_view(),
        name="campaign-export",
    ),
    path(
        "campaigns/<int:pk>/step/<str:step>/",
        views.CampaignStepView.as_view(),
        name="campaign-step",
    ),
    path(
        "applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application-detail"
    ),
    path(
        "applications/<int:pk>/scores/", views.ScoreSheetView.as_view(), name="application-scores"
    ),
    path("applications/<int:pk>/panel/", views.AssignPanelView.as_view(), name="application-panel"),
    path(
        "applications/<int:pk>/step/<str:step>/",
        views.ApplicationStepView.as_view(),
        name="application-step",
    ),
    path("experts/", views.ExpertListView.as_view(), name="expert-list"),
    path("experts/new/", views.ExpertCreateView.as_view(), name="expert-create"),
    path("grades/", views.GradeListView.as_view(), name="grade-list"),
    path("grades/expiring/", views.ExpiringGradeListView.as_view(), name="grade-expiring"),
    path("grades/new/", views.GradeAwardCreateView.as_view(), name="grade-create"),
    path("sanctions/", views.SanctionListView.as_view(), name="sanction-list"),
    path("sanctions/new/", views.SanctionCreateView.as_view(), name="sanction-create"),
    path("sanctions/<int:pk>/close/", views.SanctionCloseView.as_view(), name="sanction-close"),
    path("evaluations/", views.EvaluationListView.as_view(), name="evaluation-list"),
    path("evaluations/new/", views.EvaluationCreateView.as_view(), name="evaluation-create"),
    path("evaluations/<int:pk>/", views.EvaluationDetailView.as_view(), name="evaluation-detail"),
    path(
        "evaluations/<int:pk>/step/<str:step>/",
        views.EvaluationPublishView.as_view(),
        name="evaluation-step",
    ),
    path(
        "evaluation-results/<int:pk>/",
        views.EvaluationResultView.as_view(),
        name="evaluation-result",
    ),
]
