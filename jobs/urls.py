from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.JobListView.as_view(), name="list"),
    path("<str:job_id>/", views.JobDetailView.as_view(), name="detail"),
    path("<str:job_id>/status/", views.JobStatusView.as_view(), name="status"),
    path("<str:job_id>/download/", views.JobDownloadView.as_view(), name="download"),
    path("<str:job_id>/rerun/", views.JobRerunView.as_view(), name="rerun"),
]
