from django.urls import path

from registry import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("divisions/", views.DivisionListView.as_view(), name="division-list"),
    path("divisions/<str:code>/", views.DivisionDetailView.as_view(), name="division-detail"),
]
