"""The production stack for load and fault benchmarks: its own PostgreSQL database and Redis db, migrated,
with gunicorn and a Celery worker as separate processes (as docker-compose.yml runs them).

Nothing the tests or a developer use is touched: the database is named for the benchmark and dropped first.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def database_recreate(name: str) -> str:
    """Drop and create database `name` on the local server; returns its URL."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


class Stack:
    """Environment, database, web and worker processes of one benchmark run."""

    def __init__(self, name: str, *, database: str, redis_db: int, port: int, web_workers: int = 3, **env: str):
        self.name, self.port, self.web_workers = name, port, web_workers
        self.work = Path(tempfile.mkdtemp(prefix=f"muscleseed-{name}-"))
        (self.work / "log").mkdir()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "MUSCLESEED_VAR_DIR": str(self.work),
            "SECRET_KEY": f"{name}-secret",
            "MUSCLESEED_DEID_SALT": f"{name}-salt",
            "SECURE_HTTPS": "0",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": database_recreate(database),
            "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{redis_db}",
            "PYTHONPATH": f"{ROOT / 'backend'}:{ROOT}",
            "TORCH_THREADS": "1",
            **env,
        }
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def django_setup(self) -> None:
        """Use the stack's settings in this process too (seeding, checks)."""
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT / "backend"))
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()

    def migrate(self) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.redis_flush()

    def redis_flush(self) -> None:
        db = self.env["CELERY_BROKER_URL"].rsplit("/", 1)[1]
        subprocess.run(["redis-cli", "-n", db, "flushdb"], check=True, stdout=subprocess.DEVNULL)

    def _spawn(self, args: list[str], log: str, cwd: Path) -> subprocess.Popen:
        out = open(self.work / "log" / log, "a")  # noqa: SIM115 - lives as long as the process
        # Its own process group: a kill reaches the worker's pool children too.
        return subprocess.Popen(
            args, cwd=cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_web(self) -> None:
        self.web = self._spawn(
            [
                str(VENV_BIN / "gunicorn"),
                "config.wsgi",
                "--chdir",
                str(ROOT / "backend"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.web_workers),
                "--threads",
                "4",
                "--timeout",
                "120",
                "--keep-alive",  # longer than a client's pause between requests: no reset on a reused socket
                "5",
            ],
            "web.log",
            ROOT,
        )
        self.wait_http("/accounts/login/", timeout=60)

    def start_worker(self, concurrency: int = 1, pool: str = "prefork", app: str = "config") -> None:
        self.worker = self._spawn(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                app,
                "worker",
                "-Q",
                "default,inference,training",
                "--pool",
                pool,
                "--concurrency",
                str(concurrency),
                "--loglevel",
                "INFO",
                "-n",
                f"{self.name}-{time.monotonic_ns()}@%h",
            ],
            "worker.log",
            ROOT / "backend",
        )

    def kill_worker(self) -> None:
        if self.worker and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait(timeout=30)

    def wait_http(self, path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + path, timeout=5):
                    return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"{self.url}{path} did not answer in {timeout}s")

    def log_tail(self, name: str, chars: int = 3000) -> str:
        path = self.work / "log" / name
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def stop(self, keep: bool = False) -> None:
        for process in (self.web, self.worker):
            if process and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        if not keep:
            shutil.rmtree(self.work, ignore_errors=True)


def wait_until(predicate, *, timeout: float, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


RESULTS = ROOT / "benchmarks" / "results" / "reliability.json"


def results_merge(key: str, figures: dict) -> None:
    """Replace one key of reliability.json, keeping every other key (others write theirs)."""
    import json

    current = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    current[key] = figures
    RESULTS.write_text(json.dumps(current, indent=2) + "\n")
