"""Web pages of transparency: public pages (no login) and the audit log (officers)."""

from django.urls import path

from transparency import jobs, views

app_name = "transparency"

urlpatterns = [
    path(
        "public/organisations/<int:pk>/",
        views.PublicOrganisationView.as_view(),
        name="public-organisation",
    ),
    path("public/credit-lists/", views.PublicCreditListView.as_view(), name="credit-lists"),
    path("open-data/", views.OpenDataView.as_view(), name="open-data"),
    path("open-data/dictionary/", views.DataDictionaryView.as_view(), name="data-dictionary"),
    path("open-data/generate/", jobs.ExtractGenerateView.as_view(), name="extract-generate"),
    path(
        "open-data/<str:date>/download/",
        views.ExtractDownloadView.as_view(),
        name="extract-download",
    ),
    path("audit/", views.AuditLogView.as_view(), name="audit-log"),
    path("audit/export.xlsx", views.AuditExportView.as_view(), name="audit-export"),
    path(
        "audit/<str:kind>/<str:object_id>/",
        views.ObjectHistoryView.as_view(),
        name="object-history",
    ),
]
