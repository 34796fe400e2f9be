from django.urls import path

from support import views

app_name = "support"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("platforms/", views.PlatformListView.as_view(), name="platform-list"),
    path("platforms/new/", views.PlatformCreateView.as_view(), name="platform-create"),
    path("platforms/<int:pk>/", views.PlatformDetailView.as_view(), name="platform-detail"),
    path(
        "platforms/<int:pk>/take-in/", views.ResidencyCreateView.as_view(), name="residency-create"
    ),
    path("residencies/<int:pk>/service/", views.ServiceCreateView.as_view(), name="service-create"),
    path("residencies/<int:pk>/stage/", views.StageCreateView.as_view(), name="stage-create"),
    path("residencies/<int:pk>/graduate/", views.GraduateView.as_view(), name="graduate"),
    path("programmes/", views.ProgrammeListView.as_view(), name="programme-list"),
    path("rounds/<int:pk>/award/", views.AwardView.as_view(), name="project-award"),
    path("projects/", views.ProjectListView.as_view(), name="project-list"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project-detail"),
    path("projects/<int:pk>/disburse/", views.DisburseView.as_view(), name="disburse"),
    path("projects/<int:pk>/progress/", views.ProgressView.as_view(), name="progress"),
    path("projects/<int:pk>/decide/", views.DecideView.as_view(), name="project-decide"),
    path("funds/", views.FundListView.as_view(), name="fund-list"),
    path("funds/<int:pk>/", views.FundDetailView.as_view(), name="fund-detail"),
    path("funds/<int:pk>/statement.xlsx", views.FundStatementView.as_view(), name="fund-statement"),
    path("funds/<int:pk>/donate/", views.DonationCreateView.as_view(), name="donation-create"),
    path("donations/", views.DonationListView.as_view(), name="donation-list"),
    path("trainings/", views.TrainingListView.as_view(), name="training-list"),
    path("sessions/<int:pk>/", views.SessionDetailView.as_view(), name="session-detail"),
    path(
        "sessions/<int:pk>/attend/", views.AttendanceCreateView.as_view(), name="attendance-create"
    ),
    path("attendances/", views.AttendanceListView.as_view(), name="attendance-list"),
    path("pairings/", views.PairingListView.as_view(), name="pairing-list"),
    path("pairings/new/", views.PairingCreateView.as_view(), name="pairing-create"),
    path("pairings/<int:pk>/end/", views.PairingEndView.as_view(), name="pairing-end"),
    path("ledgers/", views.LedgerHomeView.as_view(), name="ledger-home"),
    path("ledgers/<slug:kind>.xlsx", views.LedgerExportView.as_view(), name="ledger-export"),
    path("ledgers/<slug:kind>/import/", views.LedgerImportView.as_view(), name="ledger-import"),
]
