"""Security: CSRF on every page POST and session-authenticated API write, rate limits on sign-in, tokens
and uploads, security headers on pages, API answers and errors.

The role matrix, login lockout, `check --deploy` and the de-identification audit live in tests/accounts
and tests/studies; these tests add what they do not cover.
"""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import get_resolver
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests.accounts.test_role_matrix import MATRIX, walk

WRITES = [(route, method) for route, method, *_ in MATRIX if method in {"post", "put", "patch", "delete"}]
PAGE_ROUTES = sorted(
    route
    for route in walk(get_resolver().url_patterns)
    if not route.startswith(("api/", "admin/")) and "<" not in route.replace("<int:pk>", "")
)
ADMIN_FORMS = ["admin/login/", "admin/logout/", "admin/auth/user/add/", "admin/jobs/job/"]


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()  # throttle counters live in the cache; start every test from zero
    yield
    cache.clear()


def as_url(route: str) -> str:
    return "/" + route.replace("<int:pk>", "1")


def csrf_refused(response) -> bool:
    body = response.content.decode(errors="replace")
    return response.status_code == 403 and "CSRF" in body


def test_the_page_routes_were_found():
    assert {"accounts/login/", "accounts/logout/", "accounts/token/", "upload/"} <= set(PAGE_ROUTES)


@pytest.mark.parametrize("route", PAGE_ROUTES + ADMIN_FORMS)
def test_a_page_post_without_a_csrf_token_is_refused(route, make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("admin")[0])
    assert csrf_refused(client.post(as_url(route), {"anything": "1"})), route


def test_signing_in_needs_the_csrf_token_and_works_with_it(make_user):
    user, password = make_user("clinician")
    client = Client(enforce_csrf_checks=True)
    credentials = {"username": user.username, "password": password}
    assert csrf_refused(client.post("/accounts/login/", credentials))
    page = client.get("/accounts/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post("/accounts/login/", {**credentials, "csrfmiddlewaretoken": token}).status_code == 302


@pytest.mark.parametrize("route,method", WRITES, ids=[f"{m} {r}" for r, m in WRITES])
def test_a_session_api_write_without_a_csrf_token_is_refused(route, method, make_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(make_user("admin")[0])  # a browser's session cookie, as a cross-site form would send
    response = getattr(client, method)(as_url(route), {}, format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"], (route, response.content[:200])


def test_a_session_api_write_with_the_csrf_token_gets_through(make_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(make_user("labeller")[0])
    client.get("/accounts/login/")  # the page sets the csrftoken cookie, as the browser pages do
    token = client.cookies["csrftoken"].value
    response = client.put("/api/images/1/annotation/mask", b"", content_type="image/png", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 404  # past CSRF and permissions: there is no image 1


def test_a_token_api_write_needs_no_csrf_token(make_user):
    from rest_framework.authtoken.models import Token

    user, _ = make_user("labeller")
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert client.put("/api/images/1/annotation/mask", b"", content_type="image/png").status_code == 404


def test_the_token_endpoint_is_throttled_per_client_address(make_user, settings):
    settings.SIGNIN_IP_ATTEMPTS_PER_MINUTE = 3
    user, _ = make_user("researcher")
    client = APIClient()
    wrong = {"username": "someone-else", "password": "guess"}
    assert [client.post("/api/auth/token/", wrong).status_code for _ in range(3)] == [400, 400, 400]
    refused = client.post("/api/auth/token/", {"username": user.username, "password": "whatever"})
    assert refused.status_code == 429 and "Retry-After" in refused


def test_failed_token_requests_count_toward_the_login_lockout(make_user, settings):
    user, password = make_user("researcher")
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert client.post("/api/auth/token/", {"username": user.username, "password": "wrong"}).status_code == 400
    locked = client.post("/api/auth/token/", {"username": user.username, "password": password})
    assert locked.status_code == 429  # the right password no longer works, and the answer says why
    assert locked.json()["code"] == "locked_out" and "token" not in locked.json()
    assert csrf_free_login(user.username, password).status_code == 429  # the page is locked too


def csrf_free_login(username: str, password: str):
    return Client().post("/accounts/login/", {"username": username, "password": password})


def test_uploads_are_throttled_per_user(make_user, monkeypatch):
    # DRF copies DEFAULT_THROTTLE_RATES onto the class when it is imported, so a settings override
    # would not reach it: set the class's rates directly.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"upload": "2/minute"})
    first, second = APIClient(), APIClient()
    first.force_authenticate(make_user("clinician", name="busy-clinician")[0])
    second.force_authenticate(make_user("clinician", name="other-clinician")[0])
    statuses = [first.post("/api/studies/", {}, format="multipart").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]  # 400: no files; the third is refused before it is read
    assert first.get("/api/studies/").status_code == 200  # reading is not throttled
    assert second.post("/api/studies/", {}, format="multipart").status_code == 400  # others are unaffected


SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_security_headers(response, what: str) -> None:
    for header, value in SECURITY_HEADERS.items():
        assert response.get(header) == value, (what, header, response.get(header))
    assert "default-src 'self'" in response.get("Content-Security-Policy", ""), what
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"], what
    assert "camera=()" in response.get("Permissions-Policy", ""), what


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/", "/studies/", "/upload/", "/label/", "/cohorts/", "/api/docs/", "/nowhere/"]
)
def test_pages_carry_security_headers(url, make_user):
    client = Client()
    if url != "/accounts/login/":
        client.force_login(make_user("admin")[0])
    assert_security_headers(client.get(url), url)


@pytest.mark.parametrize("url,signed_in", [("/api/me/", True), ("/api/studies/", False), ("/api/images/99/", True)])
def test_api_answers_and_errors_carry_security_headers(url, signed_in, make_user):
    client = APIClient()
    if signed_in:
        client.force_authenticate(make_user("admin")[0])
    assert_security_headers(client.get(url), url)


def test_https_deployments_send_hsts_and_secure_cookies(settings, make_user):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    user, password = make_user("clinician")
    client = Client()
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.cookies["csrftoken"]["secure"]
    signed_in = client.post("/accounts/login/", {"username": user.username, "password": password}, secure=True)
    session = signed_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
