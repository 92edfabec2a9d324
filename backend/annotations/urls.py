from django.urls import path

from . import api, views

api_urls = [
    path("api/label-sets/", api.LabelSetListApi.as_view(), name="api-label-sets"),
    path("api/images/<int:pk>/annotation", api.AnnotationApi.as_view(), name="api-annotation"),
    path("api/images/<int:pk>/annotation/mask", api.AnnotationMaskApi.as_view(), name="api-annotation-mask"),
    path("api/images/<int:pk>/annotation/submit", api.AnnotationSubmitApi.as_view(), name="api-annotation-submit"),
    path("api/images/<int:pk>/annotation/review", api.AnnotationReviewApi.as_view(), name="api-annotation-review"),
    path(
        "api/images/<int:pk>/annotation/review-mask",
        api.AnnotationReviewMaskApi.as_view(),
        name="api-annotation-review-mask",
    ),
    path("api/images/<int:pk>/annotation/prelabel", api.PrelabelMaskApi.as_view(), name="api-annotation-prelabel"),
    path("api/annotations/", api.AnnotationListApi.as_view(), name="api-annotations"),
    path("api/labelling/queue", api.LabellingQueueApi.as_view(), name="api-labelling-queue"),
    path("api/labelling/stats", api.LabellingStatsApi.as_view(), name="api-labelling-stats"),
]

pages = [
    path("label/", views.label_next_page, name="label-next"),
    path("label/images/<int:pk>/", views.workspace_page, name="label-workspace"),
    path("review/", views.review_list_page, name="review-list"),
    path("review/images/<int:pk>/", views.review_detail_page, name="review-detail"),
    path("labelling/stats/", views.stats_page, name="labelling-stats"),
]

urlpatterns = api_urls + pages
