from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("<str:code>/", views.DashboardView.as_view(), name="dashboard"),
    path("<str:code>/export.xlsx", views.ExportView.as_view(), name="export"),
    path("<str:code>/<str:key>/", views.KpiView.as_view(), name="kpi"),
    path(
        "<str:code>/<str:key>/organisations/",
        views.OrganisationsView.as_view(),
        name="organisations",
    ),
]
