"""Slow clients against the embedded web server: does everyone else still get answers?

Starts the server as `make run` does (scripts/serve.sh, the embedded default: SQLite under a temp folder),
then measures GET /api/me/ (token-authenticated, one request after another):
- idle: nothing else going on;
- slow: while --clients signed-in clients trickle upload bodies to POST /api/studies/ (each declares
  --declared-mb, sends a multipart preamble, then --trickle-bytes every --trickle-interval seconds);
and how the server answers the audit's attacks: a body declaring 2 GB, and an anonymous upload.
A probe that gets no answer within --probe-timeout seconds counts as that long (and as a timeout).

--server wsgi-threads runs the command `make run` used before (gunicorn, WSGI, 2 workers x 4 threads) to
reproduce the figure from before the change.

Writes benchmarks/results/slow-clients.json (one key per --server).
Usage: .venv/bin/python benchmarks/slow_clients.py [--server make-run|wsgi-threads] [--clients 16] [--seconds 20]
"""

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "slow-clients.json"
BOUNDARY = "slowclientboundary"
WSGI_THREADS_COMMAND = [
    ".venv/bin/gunicorn", "config.wsgi", "--chdir", "backend", "--workers", "2", "--threads", "4",
    "--timeout", "300", "--keep-alive", "5",
]  # fmt: skip
MAKE_USER = """
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from accounts.roles import CLINICIAN, ensure_role_groups, user_set_role
ensure_role_groups()
user = User.objects.create_user("bench-clinician", password="bench-password-1234")
user_set_role(user=user, role=CLINICIAN)
print(Token.objects.create(user=user).key)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def embedded_env(var_dir: Path, port: int) -> dict:
    """run.sh's environment: the embedded default, whatever this shell points at."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECURE_HTTPS="0",
        MUSCLESEED_VAR_DIR=str(var_dir),
        HOST="127.0.0.1",
        PORT=str(port),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT / "backend"),
    )
    return env


def server_prepare(env: dict) -> str:
    """Migrate the fresh database and make one clinician; returns their API token."""
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    made = subprocess.run(
        [python, "manage.py", "shell", "-c", MAKE_USER], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return made.stdout.strip().splitlines()[-1]


def server_start(server: str, env: dict, log_path: Path) -> subprocess.Popen:
    if server == "make-run":
        command = ["bash", "scripts/serve.sh"]
    else:
        command = [*WSGI_THREADS_COMMAND, "--bind", f"127.0.0.1:{env['PORT']}"]
    log = open(log_path, "w")  # noqa: SIM115 - lives as long as the server
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer in {timeout}s")


def probe_me(base: str, token: str, timeout: float) -> tuple[float, str]:
    request = urllib.request.Request(f"{base}/api/me/", headers={"Authorization": f"Token {token}"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            outcome = str(response.status)
    except urllib.error.HTTPError as error:
        outcome = str(error.code)
    except OSError:
        return timeout, "timeout"
    return time.perf_counter() - started, outcome


def probe_for(base: str, token: str, seconds: float, timeout: float) -> dict:
    latencies, outcomes = [], {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        latency, outcome = probe_me(base, token, timeout)
        latencies.append(latency)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        time.sleep(0.1)
    return summary(latencies, outcomes)


def summary(latencies: list[float], outcomes: dict) -> dict:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "requests": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "outcomes": outcomes,
    }


def upload_head(port: int, declared: int, token: str | None) -> bytes:
    auth = f"Authorization: Token {token}\r\n" if token else ""
    return (
        f"POST /api/studies/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {declared}\r\n\r\n"
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="slow.dcm"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()


class SlowClient(threading.Thread):
    """One upload whose body trickles in until `stop` is set; notes whether the server answered meanwhile."""

    def __init__(self, port: int, token: str | None, declared: int, chunk: int, interval: float, stop):
        super().__init__(daemon=True)
        self.port, self.token, self.declared = port, token, declared
        self.chunk, self.interval, self.stop = chunk, interval, stop
        self.sent, self.answer = 0, None

    def run(self) -> None:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                head = upload_head(self.port, self.declared, self.token)
                sock.sendall(head)
                self.sent = len(head)
                sock.settimeout(self.interval)
                while not self.stop.is_set() and self.sent + self.chunk < self.declared:
                    if self._answered(sock):
                        return
                    sock.sendall(b"\0" * self.chunk)
                    self.sent += self.chunk
        except OSError as error:
            self.answer = self.answer or f"connection error: {type(error).__name__}"

    def _answered(self, sock) -> bool:
        try:
            data = sock.recv(4096)
        except TimeoutError:
            return False
        self.answer = data.split(b"\r\n", 1)[0].decode(errors="replace") if data else "closed"
        return True


def refusal(port: int, token: str | None, declared: int, timeout: float = 30.0) -> dict:
    """Send the headers of an upload and a few body bytes; how fast does an answer come, and which?"""
    started = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(upload_head(port, declared, token) + b"\0" * 1024)
            status = sock.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace") or "closed"
    except OSError as error:
        status = f"no answer ({type(error).__name__})"
    return {"answer": status, "ms": round((time.perf_counter() - started) * 1000, 1)}


def slow_phase(args, port: int, token: str, base: str) -> dict:
    stop = threading.Event()
    clients = [
        SlowClient(port, token, args.declared_mb * 1024 * 1024, args.trickle_bytes, args.trickle_interval, stop)
        for _ in range(args.clients)
    ]
    for client in clients:
        client.start()
    time.sleep(2)  # every slow client connected and reading
    figures = probe_for(base, token, args.seconds, args.probe_timeout)
    still_sending = sum(client.is_alive() for client in clients)
    stop.set()
    for client in clients:
        client.join(timeout=10)
    answers = {}
    for client in clients:
        answers[client.answer or "none while sending"] = answers.get(client.answer or "none while sending", 0) + 1
    return {**figures, "slow_clients_still_sending_at_end": still_sending, "slow_client_answers": answers}


def run(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="muscleseed-slow-clients-"))
    port = free_port()
    env = embedded_env(work, port)
    token = server_prepare(env)
    server = server_start(args.server, env, work / "server.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/accounts/login/", timeout=90)
        probe_for(base, token, 2, args.probe_timeout)  # warm up both workers
        idle = probe_for(base, token, args.idle_seconds, args.probe_timeout)
        slow = slow_phase(args, port, token, base)
        refusals = {
            "declared_2gb_signed_in": refusal(port, token, 2 * 1024**3),
            "anonymous_upload": refusal(port, None, 8 * 1024 * 1024),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)
    return {"idle": idle, "slow": slow, "refusals": refusals}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=["make-run", "wsgi-threads"], default="make-run")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0, help="probing while the slow clients trickle")
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--declared-mb", type=int, default=8, help="Content-Length each slow client declares")
    parser.add_argument("--trickle-bytes", type=int, default=64)
    parser.add_argument("--trickle-interval", type=float, default=1.0)
    parser.add_argument("--probe-timeout", type=float, default=10.0)
    args = parser.parse_args()
    started = time.time()
    figures = run(args)
    result = {
        "server": args.server,
        "clients": args.clients,
        "declared_mb": args.declared_mb,
        "trickle": f"{args.trickle_bytes} bytes every {args.trickle_interval}s",
        "probe_timeout_s": args.probe_timeout,
        **figures,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end",
        "seconds": round(time.time() - started, 1),
    }
    print(json.dumps(result, indent=2))
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    saved[args.server] = result
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(saved, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
