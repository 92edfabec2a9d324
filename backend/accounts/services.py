"""Account writes: demo accounts, API tokens (with an expiry; revocable)."""

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from .models import ApiTokenExpiry
from .roles import ALL_ROLES, ensure_role_groups, user_set_role
from .selectors import api_token_is_expired, api_token_lifetime, api_token_of


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    password: str | None  # None when the account already existed (its password is not known)


@transaction.atomic
def demo_accounts_create(*, prefix: str = "demo-") -> list[DemoAccount]:
    """One account per role. Existing accounts are kept as they are."""
    ensure_role_groups()
    accounts = []
    for role in ALL_ROLES:
        username = f"{prefix}{role.replace('_', '-')}"
        user = User.objects.filter(username=username).first()
        password = None
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username=username, password=password)
            user.is_superuser = role == "admin"
            user.save()
        user_set_role(user=user, role=role)
        accounts.append(DemoAccount(username=username, role=role, password=password))
    return accounts


def demo_accounts_write(*, accounts: list[DemoAccount], path: Path) -> None:
    """Append newly created passwords to `path` (mode 600): they are shown only once."""
    new = [a for a in accounts if a.password]
    if not new:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as out:
        for account in new:
            out.write(f"{account.role}\t{account.username}\t{account.password}\n")
    path.chmod(0o600)


@transaction.atomic
def api_token_rotate(*, user: User) -> Token:
    """A new token for `user`, expiring after API_TOKEN_DAYS; the old one stops working."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    token.expiry = ApiTokenExpiry.objects.create(token=token, expires_at=timezone.now() + api_token_lifetime())
    return token


def api_token_for_sign_in(*, user: User) -> Token:
    """The user's token while it is valid (scripts on several machines may share it), else a new one."""
    token = api_token_of(user=user)
    if token is None or api_token_is_expired(token):
        return api_token_rotate(user=user)
    return token


def api_token_revoke(*, user: User) -> bool:
    """End the user's token now; False when there was none."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted > 0
