"""A real Celery worker process on the real broker (Redis) and the test database (PostgreSQL)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import require, require_postgresql

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    auth = f"{user}:{s['PASSWORD']}@" if s.get("PASSWORD") else f"{user}@"
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


@pytest.fixture
def broker_url():
    url = os.environ.get("TEST_BROKER_URL", "")
    require(url.startswith(("redis://", "amqp://")), "TEST_BROKER_URL does not name a Redis or RabbitMQ broker")
    return url


@pytest.fixture
def celery_worker_process(transactional_db, broker_url, settings, media_root):
    """Start `celery worker` as its own process; stop it (or let a test kill it) afterwards."""
    require_postgresql("worker tests need PostgreSQL (set DATABASE_URL)")
    from config.celery import app

    app.conf.task_always_eager = False
    with app.connection_for_write() as conn:  # start from empty queues
        for queue in ("default", "inference", "training"):
            conn.default_channel.queue_purge(queue) if _queue_exists(conn, queue) else None
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "MEDIA_ROOT": str(media_root),
        "PYTHONPATH": str(PROJECT_ROOT / "backend"),
    }
    log = open(media_root.parent / "worker.log", "w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            "default,inference,training",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=PROJECT_ROOT / "backend",
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log_path, process.cwd, process.env = log.name, PROJECT_ROOT / "backend", env
    yield process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    log.close()


def _queue_exists(conn, queue: str) -> bool:
    try:
        conn.default_channel.queue_declare(queue=queue, passive=True)
        return True
    except Exception:
        return False


def wait_for(predicate, *, timeout: float, what: str, log_path: str | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    tail = Path(log_path).read_text()[-3000:] if log_path else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n--- worker log ---\n{tail}")
