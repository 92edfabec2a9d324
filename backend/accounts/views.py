import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .roles import user_roles
from .selectors import api_token_expires_at, api_token_is_expired, api_token_of
from .services import api_token_for_sign_in, api_token_revoke, api_token_rotate
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


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class TokenObtainApi(ObtainAuthToken):
    """Exchange username and password for an API token (limited per address, as the login page is; failures
    count toward the login lockout); DELETE revokes the caller's token."""

    @extend_schema(
        request=ObtainAuthToken.serializer_class,
        responses=TokenOutput,
        description="Your API token while it is valid, else a new one; it expires after API_TOKEN_DAYS (90).",
    )
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
        body = self.serializer_class(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        token = api_token_for_sign_in(user=body.validated_data["user"])
        return Response(TokenOutput({"token": token.key, "expires_at": api_token_expires_at(token)}).data)

    @extend_schema(request=None, responses={204: None}, description="Revoke your API token now.")
    def delete(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            raise NotAuthenticated("Sign in (or send the token) to revoke your API token.")
        api_token_revoke(user=request.user)
        return Response(status=204)


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
    """Create (rotate) or revoke your API token; the page says when the current one expires."""
    created, revoked = None, False
    if request.method == "POST" and request.POST.get("action") == "revoke":
        revoked = api_token_revoke(user=request.user)
    elif request.method == "POST":
        created = api_token_rotate(user=request.user)
    current = api_token_of(user=request.user)
    context = {
        "token": created,
        "revoked": revoked,
        "current": current,
        "expires_at": api_token_expires_at(current) if current else None,
        "expired": current is not None and api_token_is_expired(current),
    }
    return render(request, "accounts/token.html", context)
