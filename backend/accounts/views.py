import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from .roles import user_roles
from .services import api_token_rotate


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())


class MeApi(APIView):
    @extend_schema(responses=MeOutput)
    def get(self, request):
        user = request.user
        return Response(MeOutput({"id": user.id, "username": user.username, "roles": sorted(user_roles(user))}).data)


class LoginThrottle(AnonRateThrottle):
    rate = "30/minute"


class TokenObtainApi(ObtainAuthToken):
    """Exchange username and password for an API token (failures count toward the login lockout)."""

    throttle_classes = [LoginThrottle]

    def post(self, request, *args, **kwargs):
        credentials = {"username": str(request.data.get("username", ""))}
        if AxesProxyHandler.is_locked(request, credentials):
            return Response(
                {
                    "detail": "Too many failed sign-ins for this account: locked out, try again later.",
                    "code": "locked_out",
                },
                status=429,
            )
        return super().post(request, *args, **kwargs)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE): the app's layout, how long the lock lasts, the way back."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "username": get_client_username(request, credentials) or "",
        "cooloff_minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(request, "accounts/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


@login_required
def home(request):
    return render(request, "home.html")


@login_required
@require_http_methods(["GET", "POST"])
def api_token_page(request):
    token = api_token_rotate(user=request.user) if request.method == "POST" else None
    return render(request, "accounts/token.html", {"token": token})
