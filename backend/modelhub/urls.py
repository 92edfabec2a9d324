from django.urls import path

from . import api, views

urlpatterns = [
    path("api/devices/overview/", api.DeviceOverviewApi.as_view(), name="api-device-overview"),
    path("api/devices/<int:pk>/train", api.DeviceTrainApi.as_view(), name="api-device-train"),
    path("api/model-versions/", api.PaginatedVersions.as_view(), name="api-model-versions"),
    path("api/model-versions/<int:pk>/", api.VersionDetailApi.as_view(), name="api-model-version"),
    path("api/model-versions/<int:pk>/promote", api.VersionPromoteApi.as_view(), name="api-model-version-promote"),
    path("api/inference/", api.InferenceApi.as_view(), name="api-inference"),
    path("api/evaluations/", api.EvaluationMatrixApi.as_view(), name="api-evaluations"),
    path("devices/", views.devices_page, name="device-list"),
    path("models/", views.versions_page, name="model-versions"),
    path("models/<int:pk>/", views.version_detail_page, name="model-version"),
    path("evaluation/", views.evaluation_page, name="evaluation"),
]
