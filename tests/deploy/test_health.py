"""/healthz and /readyz as an orchestration probe sees them: plain http, any Host, no credentials."""

import threading

import pytest
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from config import health

PROBE_HOST = "10.0.0.7:8000"  # a container's own address: never in ALLOWED_HOSTS


@pytest.fixture
def production_security(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["muscleseed.example.org"]


def probe(path: str, method: str = "get"):
    return getattr(Client(), method)(path, HTTP_HOST=PROBE_HOST)


def test_healthz_answers_without_touching_the_database(production_security, monkeypatch):
    def no_database(self):
        raise AssertionError("/healthz opened a database connection")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", no_database)
    response = probe("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)
def test_readyz_reports_each_check_when_all_are_reachable(production_security):
    response = probe("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert {name: result["ok"] for name, result in body["checks"].items()} == {
        "database": True,
        "broker": True,
        "storage": True,
    }


@pytest.mark.django_db(transaction=True)
def test_readyz_names_unwritable_storage_and_leaves_out_where_it_is(production_security, settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the media folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(blocked)}},
    }
    response = probe("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["storage"]
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]
    assert str(tmp_path) not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_readyz_answers_503_by_its_deadline_when_a_check_hangs(settings, monkeypatch):
    settings.READYZ_TIMEOUT_SECONDS = 1
    release = threading.Event()
    monkeypatch.setitem(health.CHECKS, "broker", lambda: release.wait(30))
    try:
        response = probe("/readyz")
    finally:
        release.set()
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"]["error"] == "timeout"


def test_readyz_leaves_connection_strings_out_of_the_body(settings, monkeypatch):
    secret_url = "redis://:hunter2-broker-password@broker.internal:6379/0"

    def refused():
        raise ConnectionError(f"cannot reach {secret_url}")

    for name in health.CHECKS:
        monkeypatch.setitem(health.CHECKS, name, refused)
    response = probe("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database", "broker", "storage"]
    assert "hunter2" not in response.content.decode() and "broker.internal" not in response.content.decode()
    assert response.json()["checks"]["broker"]["error"] == "ConnectionError"


def test_probes_take_only_get(production_security):
    response = probe("/readyz", method="post")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
