from django.urls import path

from . import api

urlpatterns = [
    path("api/images/<int:pk>/measurements", api.ImageMeasurementsApi.as_view(), name="api-image-measurements"),
    path("api/images/<int:pk>/measurement-mask", api.MeasurementMaskApi.as_view(), name="api-measurement-mask"),
    path("api/studies/<int:pk>/results", api.StudyResultsApi.as_view(), name="api-study-results"),
    path("api/studies/<int:pk>/report.png", api.StudyReportApi.as_view(), name="api-study-report"),
]
