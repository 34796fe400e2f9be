from django.urls import path

from registry import views, views_access_log, views_accounts, views_documents

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accounts/import/", views_accounts.AccountImportView.as_view(), name="account-import"),
    path("accounts/import/links/", views_accounts.AccountLinksView.as_view(), name="account-links"),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        views_accounts.SetPasswordView.as_view(),
        name="password_reset_confirm",
    ),
    path("access-log/", views_access_log.AccessLogView.as_view(), name="access-log"),
    path("register/", views.PublicRegisterView.as_view(), name="public-register"),
    path("divisions/", views.DivisionListView.as_view(), name="division-list"),
    path("divisions/<str:code>/", views.DivisionDetailView.as_view(), name="division-detail"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation-list"),
    path("organisations/new/", views.OrganisationCreateView.as_view(), name="organisation-create"),
    path(
        "organisations/<int:pk>/",
        views.OrganisationDetailView.as_view(),
        name="organisation-detail",
    ),
    path(
        "organisations/<int:pk>/documents/<str:document>/",
        views_documents.OrganisationDocumentView.as_view(),
        name="organisation-document",
    ),
    path(
        "organisations/<int:pk>/edit/",
        views.OrganisationUpdateView.as_view(),
        name="organisation-update",
    ),
    path(
        "organisations/<int:pk>/members/new/",
        views.MemberCreateView.as_view(),
        name="member-create",
    ),
    path(
        "organisations/<int:pk>/members/<int:member_pk>/edit/",
        views.MemberUpdateView.as_view(),
        name="member-update",
    ),
    path(
        "organisations/<int:pk>/activities/new/",
        views.ActivityCreateView.as_view(),
        name="activity-create",
    ),
    path(
        "organisations/<int:pk>/activities/<int:activity_pk>/edit/",
        views.ActivityUpdateView.as_view(),
        name="activity-update",
    ),
    path(
        "organisations/<int:pk>/brand-projects/new/",
        views.BrandProjectCreateView.as_view(),
        name="brand-project-create",
    ),
    path(
        "organisations/<int:pk>/apply/<str:kind>/",
        views.ApplicationSubmitView.as_view(),
        name="application-submit",
    ),
    path(
        "organisations/<int:pk>/hub/<str:action>/",
        views.HubView.as_view(),
        name="organisation-hub",
    ),
    path(
        "organisations/<int:pk>/reverse-exit/",
        views.ExitReverseView.as_view(),
        name="organisation-exit-reverse",
    ),
    path("applications/", views.ApplicationListView.as_view(), name="application-list"),
    path(
        "applications/<int:pk>/",
        views.ApplicationDetailView.as_view(),
        name="application-detail",
    ),
    path(
        "applications/<int:pk>/decide/",
        views.ApplicationDecideView.as_view(),
        name="application-decide",
    ),
    path(
        "applications/<int:pk>/resubmit/",
        views.ApplicationResubmitView.as_view(),
        name="application-resubmit",
    ),
    path(
        "applications/<int:pk>/withdraw/",
        views.ApplicationWithdrawView.as_view(),
        name="application-withdraw",
    ),
]
