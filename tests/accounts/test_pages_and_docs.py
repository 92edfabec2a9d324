"""Pages need a sign-in; the API docs are served offline; security headers are set."""

from django.test import Client


def test_pages_redirect_anonymous_visitors_to_sign_in(db):
    for url in ("/", "/studies/", "/upload/", "/devices/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_only_uploading_roles_see_the_upload_page(make_user):
    for role, expected in (("clinician", 200), ("ml_lead", 200), ("researcher", 403), ("labeller", 403)):
        client = Client()
        client.force_login(make_user(role, name=f"p-{role}")[0])
        assert client.get("/upload/").status_code == expected, role


def test_the_api_docs_load_nothing_from_other_hosts(make_user):
    client = Client()
    client.force_login(make_user("researcher")[0])
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/studies/" in schema["paths"] and "/api/images/{id}/pixels" in schema["paths"]


def test_pages_carry_security_headers(make_user):
    client = Client()
    client.force_login(make_user("clinician")[0])
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
