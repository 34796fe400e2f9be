from django.urls import path

from party_building import views

app_name = "party_building"

urlpatterns = [
    path("", views.CoverageView.as_view(), name="home"),
    path("coverage/<str:code>/", views.CoverageView.as_view(), name="coverage"),
    path(
        "coverage/<str:code>/uncovered/<str:figure>/",
        views.UncoveredView.as_view(),
        name="uncovered",
    ),
    path("follow-up/", views.FollowUpListView.as_view(), name="follow-up"),
    path("organisations/", views.PartyOrganisationListView.as_view(), name="organisation-list"),
    path(
        "organisations/new/",
        views.PartyOrganisationCreateView.as_view(),
        name="organisation-create",
    ),
    path(
        "organisations/<int:pk>/",
        views.PartyOrganisationDetailView.as_view(),
        name="organisation-detail",
    ),
    path(
        "organisations/<int:pk>/edit/",
        views.PartyOrganisationUpdateView.as_view(),
        name="organisation-update",
    ),
    path("instructors/", views.PartyInstructorListView.as_view(), name="instructor-list"),
    path("instructors/new/", views.PartyInstructorCreateView.as_view(), name="instructor-create"),
    path(
        "instructors/<int:pk>/",
        views.PartyInstructorDetailView.as_view(),
        name="instructor-detail",
    ),
    path(
        "instructors/<int:pk>/edit/",
        views.PartyInstructorUpdateView.as_view(),
        name="instructor-update",
    ),
    path("assignments/", views.InstructorAssignmentListView.as_view(), name="assignment-list"),
    path(
        "assignments/new/",
        views.InstructorAssignmentCreateView.as_view(),
        name="assignment-create",
    ),
    path(
        "assignments/<int:pk>/edit/",
        views.InstructorAssignmentUpdateView.as_view(),
        name="assignment-update",
    ),
]
