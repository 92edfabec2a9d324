"""Reliability tests: racing writers, faults and security checks on the production path (PostgreSQL)."""

import os

import pytest
from django.db import connection

from tests.annotations.conftest import make_image  # noqa: F401 - fixtures, shared
from tests.integration.conftest import broker_url, celery_worker_process  # noqa: F401


def require_postgresql() -> None:
    if connection.vendor == "postgresql":
        return
    reason = "needs PostgreSQL (set DATABASE_URL)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
