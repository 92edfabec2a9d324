"""Shared fixtures: named users with clear roles, API clients, the real CT folder, a clean media root."""

import os
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from accounts.roles import ALL_ROLES, ensure_role_groups, user_set_role

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_CT = PROJECT_ROOT.parent / "shared" / "data" / "ct"


def require(condition: bool, reason: str) -> None:
    """Skip the test with `reason` unless `condition`; under CI the service must be there: fail."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


def require_postgresql(reason: str = "needs PostgreSQL (set DATABASE_URL)") -> None:
    from django.db import connection

    require(connection.vendor == "postgresql", reason)


PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_cache():
    """Sign-in limits and throttles count in the shared cache, files that outlive a test: start from zero."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def eager_celery(settings):
    """Unit tests run tasks in-process; worker tests (marked `worker`) switch this off."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def held_broker(monkeypatch) -> list[int]:
    """A broker that takes messages and delivers none: jobs stay queued until the test runs them. The ids of
    the jobs sent, in order."""
    from config.celery import app
    from jobs import services as job_services

    sent: list[int] = []

    def send_task(name, args, queue):
        sent.append(args[0])
        return type("Result", (), {"id": f"task-{args[0]}"})()

    app.conf.task_always_eager = False  # the autouse eager_celery fixture puts it back
    monkeypatch.setattr(job_services.current_app, "send_task", send_task)
    return sent


@pytest.fixture
def ct_dir() -> Path:
    if not SHARED_CT.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the real CT folder {SHARED_CT} is missing")
        pytest.skip(f"the real CT folder {SHARED_CT} is missing")
    return SHARED_CT


def ensure_reference_data() -> None:
    """Rows that migrations create: transactional tests flush them, so put them back."""
    from annotations.models import LabelSet

    ensure_role_groups()
    if not LabelSet.objects.filter(is_default=True).exists():
        LabelSet.objects.get_or_create(
            name="body-composition",
            defaults={
                "is_default": True,
                "labels": [
                    {"value": 1, "name": "muscle", "color": "#e5484d"},
                    {"value": 2, "name": "liver", "color": "#3e63dd"},
                ],
            },
        )


@pytest.fixture
def make_user(db):
    """make_user(role, name=None) -> (user, password)."""
    from django.contrib.auth.models import User

    ensure_reference_data()

    def make(role: str | None, name: str | None = None):
        username = name or f"{role or 'norole'}-user"
        user = User.objects.create_user(username=username, password=PASSWORD)
        if role:
            user_set_role(user=user, role=role)
        return user, PASSWORD

    return make


@pytest.fixture
def client_for(make_user):
    """client_for(role) -> an APIClient logged in (session) as a fresh user with that role."""
    made = {}

    def client(role: str | None) -> APIClient:
        if role not in made:
            user, _ = make_user(role)
            api = APIClient()
            api.force_authenticate(user)
            api.user = user
            made[role] = api
        return made[role]

    return client


@pytest.fixture
def roles():
    return ALL_ROLES


def _missing_real_ct(error: BaseException | None) -> bool:
    filename = str(getattr(error, "filename", "") or "")
    return isinstance(error, FileNotFoundError) and filename.startswith(str(SHARED_CT))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    yield from _skip_when_real_ct_is_missing()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    yield from _skip_when_real_ct_is_missing()


def _skip_when_real_ct_is_missing():
    """A test that reads the real CT (directly or through tests/studies/corpus.py) is skipped with a reason
    in a clone without ../shared beside it; under CI the folder must be there and the test fails."""
    outcome = yield
    error = outcome.excinfo[1] if outcome.excinfo else None
    if _missing_real_ct(error) and not os.environ.get("CI"):
        outcome.force_exception(pytest.skip.Exception(f"the real CT folder {SHARED_CT} is missing"))
