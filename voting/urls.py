from django.urls import path

from voting import views

app_name = "voting"

urlpatterns = [
    path("", views.VoteListView.as_view(), name="list"),
    path("<int:pk>/", views.VotePageView.as_view(), name="vote"),
    path("<int:pk>/results/", views.ResultsView.as_view(), name="results"),
    path("<int:pk>/results.xlsx", views.ResultsExportView.as_view(), name="results-export"),
]
