from django.urls import path

from selection import views

app_name = "selection"

urlpatterns = [
    path("", views.CampaignListView.as_view(), name="campaign-list"),
    path("<int:pk>/", views.CampaignDetailView.as_view(), name="campaign-detail"),
    path("<int:pk>/step/<str:step>/", views.CampaignStepView.as_view(), name="campaign-step"),
    path("<int:pk>/results/", views.ResultsView.as_view(), name="campaign-results"),
    path("<int:pk>/results.xlsx", views.ResultsExportView.as_view(), name="campaign-export"),
    path("<int:pk>/cut/", views.CutView.as_view(), name="campaign-cut"),
    path("<int:pk>/entries/new/", views.EntryCreateView.as_view(), name="entry-create"),
    path("<int:pk>/objections/new/", views.ObjectionCreateView.as_view(), name="objection-create"),
    path("entries/<int:pk>/", views.EntryDetailView.as_view(), name="entry-detail"),
    path("entries/<int:pk>/pictures/", views.EntryPicturesView.as_view(), name="entry-pictures"),
    path("entries/<int:pk>/step/<str:step>/", views.EntryStepView.as_view(), name="entry-step"),
    path("pictures/<int:pk>/", views.PictureView.as_view(), name="picture"),
    path("attachments/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
    path(
        "objections/<int:pk>/answer/", views.ObjectionAnswerView.as_view(), name="objection-answer"
    ),
    path("reviews/", views.ReviewListView.as_view(), name="review-list"),
    path("reviews/<int:pk>/", views.ReviewSheetView.as_view(), name="review-sheet"),
    path("public/", views.PublicCampaignListView.as_view(), name="public-list"),
    path("public/<int:pk>/", views.PublicResultsView.as_view(), name="public-results"),
    path("public/<int:pk>/case-book.pdf", views.CaseBookView.as_view(), name="case-book"),
    path("certificates/<int:pk>.pdf", views.CertificateView.as_view(), name="certificate"),
]
