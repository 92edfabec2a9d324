from django.urls import path

from . import api, views

urlpatterns = [
    path("api/jobs/", api.JobListApi.as_view(), name="api-jobs"),
    path("api/jobs/<int:pk>/", api.JobDetailApi.as_view(), name="api-job"),
    path("api/jobs/<int:pk>/cancel", api.JobCancelApi.as_view(), name="api-job-cancel"),
    path("jobs/<int:pk>/", views.job_detail_page, name="job-detail"),
]
