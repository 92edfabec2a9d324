from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView

from .roles import user_roles
from .services import api_token_rotate
from .signin_limits import signin_attempt_refusal


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())


class MeApi(APIView):
    @extend_schema(responses=MeOutput)
    def get(self, request):
        user = request.user
        return Response(MeOutput({"id": user.id, "username": user.username, "roles": sorted(user_roles(user))}).data)


class SignInView(auth_views.LoginView):
    """The login page, refusing an address that tried too often or failed too often (any usernames)."""

    template_name = "accounts/login.html"

    def post(self, request, *args, **kwargs):
        wait_s = signin_attempt_refusal(request=request)
        if wait_s is not None:
            context = {"wait_minutes": -(-wait_s // 60)}  # rounded up
            response = render(request, "accounts/too_many_attempts.html", context, status=429)
            response["Retry-After"] = str(wait_s)
            return response
        return super().post(request, *args, **kwargs)


class TokenObtainApi(ObtainAuthToken):
    """Exchange username and password for an API token (limited per address, as the login page is; failures
    count toward the login lockout)."""

    def post(self, request, *args, **kwargs):
        wait_s = signin_attempt_refusal(request=request)
        if wait_s is not None:
            return Response(
                {
                    "detail": f"Too many sign-in attempts from this address: try again in {wait_s} seconds.",
                    "code": "too_many_attempts",
                },
                status=429,
                headers={"Retry-After": str(wait_s)},
            )
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


@login_required
def home(request):
    return render(request, "home.html")


@login_required
@require_http_methods(["GET", "POST"])
def api_token_page(request):
    token = api_token_rotate(user=request.user) if request.method == "POST" else None
    return render(request, "accounts/token.html", {"token": token})
