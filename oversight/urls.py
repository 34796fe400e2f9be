"""/oversight/: annual reports, overdue summaries, the dormancy inbox and the credit lists."""

from django.urls import path

from oversight import views
from oversight.jobs import LifecycleScanStartView

app_name = "oversight"

urlpatterns = [
    path("scan/", LifecycleScanStartView.as_view(), name="scan"),
    path("reports/", views.ReportListView.as_view(), name="report-list"),
    path("reports/new/", views.ReportCreateView.as_view(), name="report-create"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="report-detail"),
    path("reports/<int:pk>/edit/", views.ReportUpdateView.as_view(), name="report-update"),
    path(
        "reports/<int:pk>/<str:action>/",
        views.ReportActionView.as_view(),
        name="report-action",
    ),
    path("overdue/", views.OverdueSummaryView.as_view(), name="overdue"),
    path("suspects/", views.CaseListView.as_view(), name="case-list"),
    path("suspects/<int:pk>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("suspects/<int:pk>/<str:action>/", views.CaseActionView.as_view(), name="case-action"),
    path("credit-lists/", views.CreditListView.as_view(), name="credit-list"),
    path(
        "organisations/<int:pk>/",
        views.OrganisationOversightView.as_view(),
        name="organisation",
    ),
    path(
        "organisations/<int:pk>/leader-unreachable/",
        views.LeaderUnreachableView.as_view(),
        name="leader-unreachable",
    ),
]
