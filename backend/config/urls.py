"""The composition root: each app owns its urls.py; here they are put together with the schema and the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

APPS = ("accounts", "studies", "jobs", "modelhub", "annotations", "measurements", "cohorts")

handler400 = "core.errors.bad_request"

urlpatterns = [
    *(path("", include(f"{app}.urls")) for app in APPS),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
]
