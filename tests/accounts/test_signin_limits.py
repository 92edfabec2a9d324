"""Sign-in limits per client address across usernames, on the login page and the token endpoint together;
X-Forwarded-For believed only from a trusted proxy."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

PAGE, TOKEN = "/accounts/login/", "/api/auth/token/"


@pytest.fixture(autouse=True)
def low_limits(settings, monkeypatch):
    settings.SIGNIN_IP_FAILURE_LIMIT = 5
    settings.SIGNIN_IP_ATTEMPTS_PER_MINUTE = 100
    # The counts use fixed windows: a test that straddled a minute's end (40 password hashes on a busy
    # machine can) would start a fresh count half-way. The clock stands still in the middle of a window.
    monkeypatch.setattr("config.counters._now", lambda: 1_800_000_030.0)


def sign_in(path: str, username: str, password: str, **meta):
    client = Client() if path == PAGE else APIClient()
    return client.post(path, {"username": username, "password": password}, **meta)


def spray(path: str, count: int, **meta) -> list[int]:
    """One wrong password on each of `count` different usernames."""
    return [sign_in(path, f"someone-{i}", "guess-1234", **meta).status_code for i in range(count)]


def test_the_login_page_refuses_an_address_that_failed_on_many_usernames(make_user):
    user, password = make_user("clinician")
    assert spray(PAGE, 5) == [200] * 5  # the form again, with its error
    refused = sign_in(PAGE, user.username, password)
    assert refused.status_code == 429 and "Retry-After" in refused
    assert b"Too many sign-in attempts came from your address" in refused.content
    assert "_auth_user_id" not in refused.wsgi_request.session  # not signed in, even with the right password


def test_the_token_endpoint_refuses_an_address_that_failed_on_many_usernames(make_user):
    user, password = make_user("researcher")
    assert spray(TOKEN, 5) == [400] * 5
    refused = sign_in(TOKEN, user.username, password)
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_attempts"
    assert "token" not in refused.json()


def test_failures_on_the_page_and_the_token_endpoint_add_up(make_user):
    user, password = make_user("researcher")
    spray(PAGE, 3)
    spray(TOKEN, 2)
    assert sign_in(TOKEN, user.username, password).status_code == 429


def test_another_address_still_signs_in(make_user):
    user, password = make_user("clinician")
    spray(PAGE, 5, REMOTE_ADDR="203.0.113.9")
    assert sign_in(PAGE, user.username, password, REMOTE_ADDR="198.51.100.4").status_code == 302


def test_a_different_x_forwarded_for_on_each_attempt_does_not_escape_the_limit(make_user, settings):
    settings.SIGNIN_IP_FAILURE_LIMIT = 100
    settings.SIGNIN_IP_ATTEMPTS_PER_MINUTE = 30
    statuses = [
        sign_in(TOKEN, f"someone-{i}", "guess-1234", HTTP_X_FORWARDED_FOR=f"10.9.{i}.{i}").status_code
        for i in range(40)
    ]
    assert statuses == [400] * 30 + [429] * 10


def test_behind_a_trusted_proxy_each_forwarded_client_is_limited_apart(make_user, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    user, password = make_user("clinician")
    proxy = {"REMOTE_ADDR": "10.0.0.7"}
    spray(PAGE, 5, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    forged = "198.51.100.1, 203.0.113.5"  # the client wrote its own entry; our proxy appended what it saw
    assert sign_in(PAGE, user.username, password, HTTP_X_FORWARDED_FOR=forged, **proxy).status_code == 429
    assert sign_in(PAGE, user.username, password, HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy).status_code == 302


def test_an_untrusted_peer_cannot_name_a_client_to_lock_out(make_user):
    user, password = make_user("clinician")
    spray(PAGE, 5, REMOTE_ADDR="192.0.2.66", HTTP_X_FORWARDED_FOR="203.0.113.20")
    assert sign_in(PAGE, user.username, password, REMOTE_ADDR="203.0.113.20").status_code == 302
