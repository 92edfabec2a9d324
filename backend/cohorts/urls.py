from django.urls import path

from . import api, views

urlpatterns = [
    path("api/cohorts/preview", api.CohortPreviewApi.as_view(), name="api-cohort-preview"),
    path("api/cohorts/definitions/", api.DefinitionListApi.as_view(), name="api-cohort-definitions"),
    path("api/cohorts/definitions/<int:pk>/", api.DefinitionDetailApi.as_view(), name="api-cohort-definition"),
    path("api/exports/", api.ExportListApi.as_view(), name="api-exports"),
    path("api/exports/<int:pk>/", api.ExportDetailApi.as_view(), name="api-export"),
    path("api/exports/<int:pk>/download", api.ExportDownloadApi.as_view(), name="api-export-download"),
    path("cohorts/", views.cohort_page, name="cohorts"),
]
