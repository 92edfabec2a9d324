"""/healthz and /readyz for orchestration probes (compose healthchecks, load balancers, Kubernetes).

/healthz: the process answers (no database, broker or storage touched). /readyz: the database, the Celery
broker and media storage are reachable, each checked in its own thread under a deadline so that a dead
service makes the probe answer 503 in seconds instead of hanging. The body names each check and, for a failed
one, only the error's type: connection strings and hosts stay out of it (the full error goes to the log).

The middleware sits first, before SecurityMiddleware and host validation: a probe speaks plain http to the
container's own address with whatever Host header it has, and must not be redirected to https or refused
with 400 for a Host outside ALLOWED_HOSTS.
"""

import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.core.files.base import ContentFile
from django.http import HttpResponse

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
PROBE_FOLDER = "health"


def database_check() -> None:
    from django.db import connections

    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # this thread's own connection: nothing else would close it


def broker_check() -> None:
    from config.celery import app

    timeout = settings.READYZ_TIMEOUT_SECONDS
    with app.connection_for_write(connect_timeout=timeout) as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
        if connection.transport.driver_type == "redis":
            connection.default_channel.client.ping()  # connected is not yet answering


def storage_check() -> None:
    """Write and delete a tiny file: what every worker needs, not only that the storage exists."""
    from django.core.files.storage import storages

    storage = storages["default"]
    name = storage.save(f"{PROBE_FOLDER}/probe-{uuid.uuid4().hex}", ContentFile(b"ok"))
    storage.delete(name)


CHECKS = {"database": database_check, "broker": broker_check, "storage": storage_check}


def run_checks(checks: dict = CHECKS, timeout: float | None = None) -> dict[str, dict]:
    """{name: {"ok": bool, "ms": int, "error": type name or "timeout"}}, all run at once under one deadline."""
    timeout = settings.READYZ_TIMEOUT_SECONDS if timeout is None else timeout
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readyz")
    started = time.monotonic()
    futures = {name: pool.submit(check) for name, check in checks.items()}
    results = {}
    for name, future in futures.items():
        remaining = max(0.0, timeout - (time.monotonic() - started))
        try:
            future.result(timeout=remaining)
            results[name] = {"ok": True}
        except FutureTimeout:
            logger.warning("readyz: %s did not answer within %ss", name, timeout)
            results[name] = {"ok": False, "error": "timeout"}
        except Exception as error:  # any failure means not ready; the type is enough for the probe
            logger.warning("readyz: %s failed: %r", name, error)
            results[name] = {"ok": False, "error": type(error).__name__}
        results[name]["ms"] = round((time.monotonic() - started) * 1000)
    pool.shutdown(wait=False, cancel_futures=True)  # a hung check must not hold the answer
    return results


def json_response(status: int, body: dict) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


def healthz() -> HttpResponse:
    return json_response(200, {"status": "ok"})


def readyz() -> HttpResponse:
    checks = run_checks()
    failing = [name for name, result in checks.items() if not result["ok"]]
    if failing:
        return json_response(503, {"status": "unavailable", "failing": failing, "checks": checks})
    return json_response(200, {"status": "ok", "checks": checks})


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path not in (HEALTH_PATH, READY_PATH):
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = json_response(405, {"detail": "Use GET.", "code": "method_not_allowed"})
            response["Allow"] = "GET, HEAD"
            return response
        return healthz() if request.path == HEALTH_PATH else readyz()
