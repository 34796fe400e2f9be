from django.urls import path
from rest_framework.routers import SimpleRouter

from transparency.api import views

router = SimpleRouter()
router.register("audit-events", views.AuditEventViewSet, basename="audit")

urlpatterns = [
    path(
        "public/organisations/<int:pk>/",
        views.PublicOrganisationView.as_view(),
        name="public-organisation-api",
    ),
    path(
        "public/credit-list-entries/",
        views.PublicCreditListView.as_view(),
        name="public-credit-list-api",
    ),
    path("open-data/extracts/", views.OpenDataExtractListView.as_view(), name="extract-list-api"),
    path(
        "open-data/extracts/<str:date>/",
        views.OpenDataExtractDetailView.as_view(),
        name="extract-detail-api",
    ),
    path("open-data/dictionary/", views.DataDictionaryView.as_view(), name="data-dictionary-api"),
    *router.urls,
]
