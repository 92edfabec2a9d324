"""Signing in, lockout after repeated failures, API tokens, demo accounts."""

import subprocess
import sys

from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import PROJECT_ROOT


def test_a_user_signs_in_through_the_login_page(make_user):
    user, password = make_user("clinician")
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": password})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_repeated_failures_lock_the_account_even_with_the_right_password(make_user, settings):
    user, password = make_user("clinician")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": user.username, "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": user.username, "password": password})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert client.get("/").status_code == 302  # still signed out


def test_a_token_from_username_and_password_authenticates_api_calls(make_user):
    user, password = make_user("researcher")
    response = APIClient().post("/api/auth/token/", {"username": user.username, "password": password})
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = client.get("/api/me/").json()
    assert me["username"] == user.username and me["roles"] == ["researcher"]


def test_a_wrong_password_gets_no_token(make_user):
    user, _ = make_user("researcher")
    response = APIClient().post("/api/auth/token/", {"username": user.username, "password": "nope"})
    assert response.status_code == 400
    assert "token" not in response.json()


def test_the_token_page_creates_a_token_and_revokes_the_old_one(make_user):
    user, password = make_user("researcher")
    client = Client()
    client.force_login(user)
    first = client.post("/accounts/token/").context["token"].key
    second = client.post("/accounts/token/").context["token"].key
    assert first != second
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.get("/api/me/").status_code == 401


def test_demo_accounts_get_one_per_role_and_passwords_are_written_once(db, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "demo-accounts.txt"
    call_command("seed_demo_accounts", out=str(out))
    call_command("seed_demo_accounts", out=str(out))  # a second run keeps the accounts as they are
    lines = out.read_text().splitlines()
    assert len(lines) == 6
    role, username, password = lines[0].split("\t")
    assert User.objects.get(username=username).check_password(password)
    assert oct(out.stat().st_mode)[-3:] == "600"


def test_production_settings_pass_check_deploy():
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "x" * 64 + "-a-long-random-production-secret",
        "MUSCLESEED_DEID_SALT": "salt",
        "ALLOWED_HOSTS": "muscleseed.example.org",
        "MUSCLESEED_VAR_DIR": str(PROJECT_ROOT / "var" / "test"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
