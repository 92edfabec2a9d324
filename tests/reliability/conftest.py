"""Reliability tests: racing writers, faults and security checks on the production path (PostgreSQL)."""

import pytest

from tests.annotations.conftest import make_image  # noqa: F401 - fixtures, shared
from tests.integration.conftest import broker_url, celery_worker_process  # noqa: F401


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
