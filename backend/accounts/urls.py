from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("api/me/", views.MeApi.as_view(), name="api-me"),
    path("api/auth/token/", views.TokenObtainApi.as_view(), name="api-token"),
    path("", views.home, name="home"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/token/", views.api_token_page, name="api-token-page"),
]
