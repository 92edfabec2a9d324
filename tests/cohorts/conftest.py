"""A small measured cohort (see tests/cohorts/factories.py), with fast password hashing."""

import pytest

from tests.cohorts.factories import Cohort, build_cohort


@pytest.fixture
def cohort(tmp_path, make_user, settings) -> Cohort:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_cohort(tmp_path, make_user, subjects=3)
