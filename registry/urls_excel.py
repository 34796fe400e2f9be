from django.urls import path

from registry import views_excel

app_name = "excel"

urlpatterns = [
    path("", views_excel.ExcelHomeView.as_view(), name="home"),
    path("<str:kind>/template/", views_excel.TemplateDownloadView.as_view(), name="template"),
    path("<str:kind>/export/", views_excel.ExportView.as_view(), name="export"),
    path("import/", views_excel.ImportView.as_view(), name="import"),
    path("imports/<str:token>/", views_excel.ImportResultView.as_view(), name="import-result"),
    path(
        "imports/<str:token>/annotated/",
        views_excel.ImportAnnotatedView.as_view(),
        name="import-annotated",
    ),
    path(
        "imports/<str:token>/commit/",
        views_excel.ImportCommitView.as_view(),
        name="import-commit",
    ),
]
