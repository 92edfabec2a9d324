"""Token authentication that refuses expired tokens with a 401 saying so."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .selectors import api_token_expires_at, api_token_is_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if api_token_is_expired(token):
            message = (
                f"This API token expired on {api_token_expires_at(token):%Y-%m-%d %H:%M} UTC: create a new one at "
                "/accounts/token/ or POST username and password to /api/auth/token/."
            )
            raise exceptions.AuthenticationFailed({"detail": message, "code": "token_expired"})
        return user, token
