"""When each API token expires. DRF's Token stays the token; this row beside it holds its end."""

from django.db import models
from rest_framework.authtoken.models import Token


class ApiTokenExpiry(models.Model):
    token = models.OneToOneField(Token, on_delete=models.CASCADE, primary_key=True, related_name="expiry")
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "API token expiry"
        verbose_name_plural = "API token expiries"

    def __str__(self) -> str:
        return f"token of {self.token.user} until {self.expires_at:%Y-%m-%d %H:%M}"
