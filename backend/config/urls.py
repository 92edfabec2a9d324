from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts import views as account_views
from jobs import api as jobs_api
from jobs import views as jobs_views
from studies import api as studies_api
from studies import views as studies_views

api = [
    path("api/me/", account_views.MeApi.as_view(), name="api-me"),
    path("api/auth/token/", account_views.TokenObtainApi.as_view(), name="api-token"),
    path("api/studies/", studies_api.StudyListCreateApi.as_view(), name="api-studies"),
    path("api/studies/<int:pk>/", studies_api.StudyDetailApi.as_view(), name="api-study"),
    path("api/studies/<int:pk>/work", studies_api.StudyWorkApi.as_view(), name="api-study-work"),
    path("api/studies/<int:pk>/subject", studies_api.SubjectUpdateApi.as_view(), name="api-study-subject"),
    path("api/series/<int:pk>/", studies_api.SeriesDetailApi.as_view(), name="api-series"),
    path("api/series/<int:pk>/reformat/<str:plane>", studies_api.SeriesReformatApi.as_view(), name="api-reformat"),
    path("api/series/<int:pk>/level", studies_api.SeriesLevelApi.as_view(), name="api-series-level"),
    path("api/images/<int:pk>/", studies_api.ImageDetailApi.as_view(), name="api-image"),
    path("api/images/<int:pk>/pixels", studies_api.ImagePixelsApi.as_view(), name="api-image-pixels"),
    path("api/images/<int:pk>/thumbnail", studies_api.ImageThumbnailApi.as_view(), name="api-image-thumbnail"),
    path("api/devices/", studies_api.DeviceListApi.as_view(), name="api-devices"),
    path("api/devices/<int:pk>/", studies_api.DeviceDetailApi.as_view(), name="api-device"),
    path("api/jobs/", jobs_api.JobListApi.as_view(), name="api-jobs"),
    path("api/jobs/<int:pk>/", jobs_api.JobDetailApi.as_view(), name="api-job"),
    path("api/jobs/<int:pk>/cancel", jobs_api.JobCancelApi.as_view(), name="api-job-cancel"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

pages = [
    path("", account_views.home, name="home"),
    path("accounts/login/", account_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/token/", account_views.api_token_page, name="api-token-page"),
    path("upload/", studies_views.upload_page, name="upload"),
    path("studies/", studies_views.study_list_page, name="study-list"),
    path("studies/<int:pk>/", studies_views.study_detail_page, name="study-detail"),
    path("jobs/<int:pk>/", jobs_views.job_detail_page, name="job-detail"),
    path("admin/", admin.site.urls),
]

handler400 = "config.errors.bad_request"

urlpatterns = [*api, *pages, path("", include("modelhub.urls")), path("", include("annotations.urls"))]
urlpatterns.append(path("", include("measurements.urls")))
urlpatterns.append(path("", include("cohorts.urls")))
