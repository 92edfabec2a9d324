"""The web server `make run` starts (scripts/serve.sh) as a real process on the test database."""

import os
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import PROJECT_ROOT, require_postgresql
from tests.integration.conftest import database_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(django_db_blocker, var_dir: Path, **extra_env: str):
    """Start scripts/serve.sh (two workers, as make run) sharing the test database; yields its port."""
    with django_db_blocker.unblock():
        require_postgresql("the served application shares the test database: needs PostgreSQL")
        url = database_url()
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if k != "CACHE_URL"}  # the embedded default's cache
    env = {
        **inherited,
        "DATABASE_URL": url,
        "MUSCLESEED_VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(var_dir / "media"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SECURE_HTTPS": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        **extra_env,
    }
    log = open(var_dir / "server.log", "w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        ["bash", "scripts/serve.sh"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_until_answering(port, process, log)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wait_until_answering(port: int, process, log) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    log.seek(0)
    raise AssertionError(f"the server did not answer\n{log.read()[-3000:]}")
