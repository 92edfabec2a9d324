"""Sign-in limits per client address, across usernames, for the login page and the token endpoint alike.

Counts live in the shared cache (config/counters.py), so every web process and machine sees the same ones;
the per-account lockout (django-axes, in the database) comes on top.
"""

from django.conf import settings

from config.counters import window_count, window_count_hit
from config.network import client_ip

ATTEMPT_WINDOW_S = 60


def _failure_window_s() -> int:
    return settings.SIGNIN_IP_FAILURE_WINDOW_MINUTES * 60


def signin_attempt_refusal(*, request) -> int | None:
    """Count a sign-in attempt from the request's address; seconds to wait when it must be refused."""
    address = client_ip(request)
    failures, failures_reset_s = window_count(key=f"signin-failures:{address}", window_s=_failure_window_s())
    if failures >= settings.SIGNIN_IP_FAILURE_LIMIT:
        return max(1, round(failures_reset_s))
    attempts, attempts_reset_s = window_count_hit(key=f"signin-attempts:{address}", window_s=ATTEMPT_WINDOW_S)
    if attempts > settings.SIGNIN_IP_ATTEMPTS_PER_MINUTE:
        return max(1, round(attempts_reset_s))
    return None


def signin_failure_record(*, request) -> None:
    """A failed sign-in from the request's address, whichever username it tried."""
    if request is not None:
        window_count_hit(key=f"signin-failures:{client_ip(request)}", window_s=_failure_window_s())


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """Receiver of django.contrib.auth's user_login_failed (the page and the token endpoint both send it)."""
    signin_failure_record(request=request)
