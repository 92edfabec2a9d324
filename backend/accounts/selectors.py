"""Account reads: a user's API token and when it expires."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token

from .models import ApiTokenExpiry


def api_token_lifetime() -> timedelta:
    return timedelta(days=settings.API_TOKEN_DAYS)


def api_token_expires_at(token: Token) -> datetime:
    """Its recorded expiry; a token made without one (by code that bypasses the services) ends one lifetime
    after it was created, so no token lives for ever."""
    try:
        return token.expiry.expires_at
    except ApiTokenExpiry.DoesNotExist:
        return token.created + api_token_lifetime()


def api_token_is_expired(token: Token) -> bool:
    return timezone.now() >= api_token_expires_at(token)


def api_token_of(*, user: User) -> Token | None:
    return Token.objects.filter(user=user).select_related("expiry").first()
