from django.urls import path

from . import api, views

urlpatterns = [
    path("api/studies/", api.StudyListCreateApi.as_view(), name="api-studies"),
    path("api/studies/<int:pk>/", api.StudyDetailApi.as_view(), name="api-study"),
    path("api/studies/<int:pk>/work", api.StudyWorkApi.as_view(), name="api-study-work"),
    path("api/studies/<int:pk>/subject", api.SubjectUpdateApi.as_view(), name="api-study-subject"),
    path("api/series/<int:pk>/", api.SeriesDetailApi.as_view(), name="api-series"),
    path("api/series/<int:pk>/reformat/<str:plane>", api.SeriesReformatApi.as_view(), name="api-reformat"),
    path("api/series/<int:pk>/level", api.SeriesLevelApi.as_view(), name="api-series-level"),
    path("api/images/<int:pk>/", api.ImageDetailApi.as_view(), name="api-image"),
    path("api/images/<int:pk>/pixels", api.ImagePixelsApi.as_view(), name="api-image-pixels"),
    path("api/images/<int:pk>/thumbnail", api.ImageThumbnailApi.as_view(), name="api-image-thumbnail"),
    path("api/devices/", api.DeviceListApi.as_view(), name="api-devices"),
    path("api/devices/<int:pk>/", api.DeviceDetailApi.as_view(), name="api-device"),
    path("upload/", views.upload_page, name="upload"),
    path("studies/", views.study_list_page, name="study-list"),
    path("studies/<int:pk>/", views.study_detail_page, name="study-detail"),
]
