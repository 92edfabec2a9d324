"""API tokens expire (API_TOKEN_DAYS, default 90) and can be revoked, on the token page and by API."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import ApiTokenExpiry


def token_for(user, password) -> dict:
    response = APIClient().post("/api/auth/token/", {"username": user.username, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def expire(key: str) -> None:
    assert ApiTokenExpiry.objects.filter(token_id=key).update(expires_at=timezone.now() - dt.timedelta(seconds=1))


def api_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_new_token_says_when_it_expires_by_default_in_90_days(make_user):
    body = token_for(*make_user("researcher"))
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (timezone.now() + dt.timedelta(days=90))) < dt.timedelta(minutes=1)


def test_the_lifetime_is_configurable(make_user, settings):
    settings.API_TOKEN_DAYS = 7
    body = token_for(*make_user("researcher"))
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (timezone.now() + dt.timedelta(days=7))) < dt.timedelta(minutes=1)


def test_an_expired_token_is_refused_with_a_401_that_says_so(make_user):
    body = token_for(*make_user("researcher"))
    expire(body["token"])
    response = api_with(body["token"]).get("/api/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired" and "expired" in response.json()["detail"]
    assert response.has_header("WWW-Authenticate")


def test_asking_again_after_expiry_gives_a_new_token(make_user):
    user, password = make_user("researcher")
    first = token_for(user, password)["token"]
    expire(first)
    second = token_for(user, password)["token"]
    assert second != first and api_with(second).get("/api/me/").status_code == 200


def test_a_token_made_without_an_expiry_record_expires_its_lifetime_after_creation(make_user):
    user, _ = make_user("researcher")
    token = Token.objects.create(user=user)  # as tokens made before expiry existed
    assert api_with(token.key).get("/api/me/").status_code == 200
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - dt.timedelta(days=91))
    assert api_with(token.key).get("/api/me/").json()["code"] == "token_expired"


def test_a_token_revokes_itself_by_api(make_user):
    key = token_for(*make_user("researcher"))["token"]
    assert api_with(key).delete("/api/auth/token/").status_code == 204
    assert api_with(key).get("/api/me/").status_code == 401
    assert not Token.objects.filter(key=key).exists()


def test_revoking_without_signing_in_is_a_401(db):
    assert APIClient().delete("/api/auth/token/").status_code == 401


@pytest.fixture
def page(make_user):
    user, password = make_user("researcher")
    client = Client()
    client.force_login(user)
    return client, user, password


def test_the_token_page_shows_the_current_tokens_expiry_and_a_revoke_button(page):
    client, user, password = page
    token_for(user, password)
    html = client.get("/accounts/token/").content.decode()
    assert "Expires" in html and 'name="action" value="revoke"' in html


def test_the_revoke_button_on_the_token_page_ends_the_token(page):
    client, user, password = page
    key = token_for(user, password)["token"]
    response = client.post("/accounts/token/", {"action": "revoke"})
    assert response.status_code == 200 and "revoked" in response.content.decode()
    assert api_with(key).get("/api/me/").status_code == 401
    assert 'value="revoke"' not in response.content.decode()  # nothing left to revoke
