"""The processes docker-compose.yml names, run on loopback with their own commands and queue lists: gunicorn
(web), the interactive worker, the CPU training worker and beat, on PostgreSQL and Redis. Each queue class gets
a job and the worker compose gives that queue consumes it; /readyz answers 503 naming a dead broker.

Media stay on the filesystem here (S3_* dropped); the object storage tests run the S3 path."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from jobs.models import Job
from tests.conftest import PROJECT_ROOT, require, require_postgresql
from tests.deploy import compose
from tests.integration.conftest import database_url, wait_for
from tests.modelhub.factories import TINY, accept_all, phantom_cohort, tiny_checkpoint
from tests.reliability.served import free_port

pytestmark = [pytest.mark.worker, pytest.mark.slow]
OBJECT_STORAGE_ENV = ("S3_BUCKET", "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION")
# The test run's own switches, which compose never sets: the processes get production defaults instead.
NOT_INHERITED = ("CACHE_URL", "SECURE_HTTPS", "DEBUG", "CELERY_TASK_ALWAYS_EAGER")
EXIT_WAIT_S = 20


@pytest.fixture(scope="module")
def spec() -> dict:
    return compose.load()


@pytest.fixture
def loopback(transactional_db, broker_url, media_root, tmp_path):
    """Where compose's hostnames point on this machine: the test database, this test's Redis db, local media."""
    require_postgresql("the compose processes share the test database: needs PostgreSQL")
    from config.celery import app

    require(app.conf.broker_url == broker_url, "CELERY_BROKER_URL must name the same broker as TEST_BROKER_URL")
    app.conf.task_always_eager = False
    with app.connection_for_write() as connection:  # start from empty queues
        for queue in ("default", "inference", "training"):
            connection.default_channel.queue_purge(queue)
    return {
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "CACHE_URL": broker_url,
        "MEDIA_ROOT": str(media_root),
        "MUSCLESEED_VAR_DIR": str(tmp_path / "var"),
    }


def process_env(service: dict, loopback: dict, interpolation: dict | None = None) -> dict[str, str]:
    env = compose.environment(service, interpolation)
    for name in OBJECT_STORAGE_ENV:
        env.pop(name, None)
    inherited = {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
    return {**inherited, **env, **loopback, "PYTHONPATH": str(PROJECT_ROOT / "backend")}


def local_argv(arguments: list[str]) -> list[str]:
    """The container's program (after `nice -n N`, if any) from this virtual environment."""
    programs = {"celery": [sys.executable, "-m", "celery"], "gunicorn": [str(Path(sys.executable).parent / "gunicorn")]}
    prefix = arguments[: len(arguments) - len(compose.without_nice(arguments))]
    program, *rest = compose.without_nice(arguments)
    return [*prefix, *programs.get(program, [program]), *rest]


@contextmanager
def started(name: str, arguments: list[str], env: dict[str, str], logs: Path):
    log_path = logs / f"{name}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(arguments, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        process.log_path = str(log_path)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=EXIT_WAIT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=EXIT_WAIT_S)


def web_process(stack: ExitStack, spec: dict, env: dict, logs: Path, name: str = "web") -> int:
    """gunicorn with compose's command on a free loopback port (one worker: two cores are shared)."""
    port = free_port()
    arguments = compose.argv(spec["services"]["web"], {"WEB_WORKERS": "1"})
    arguments = [f"127.0.0.1:{port}" if argument == "0.0.0.0:8000" else argument for argument in arguments]
    process = stack.enter_context(started(name, local_argv(arguments), env, logs))
    wait_for(lambda: answers(port, process), timeout=120, what=f"{name} to answer /healthz", log_path=process.log_path)
    return port


def answers(port: int, process) -> bool:
    assert process.poll() is None, f"the web process exited ({process.returncode})"
    try:
        return get(port, "/healthz")[0] == 200
    except OSError:
        return False


def get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def all_running(processes) -> bool:
    for process in processes:
        tail = Path(process.log_path).read_text()[-2000:]
        assert process.poll() is None, f"{process.args} exited ({process.returncode}):\n{tail}"
    return True


def unfinished_jobs() -> bool:
    return Job.objects.exclude(state__in=["succeeded", "failed", "cancelled"]).exists()


def compose_healthcheck(spec: dict, port: int) -> int:
    """The exit status of web's own healthcheck command, pointed at this port."""
    test = spec["services"]["web"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "python"]
    arguments = [sys.executable, *(part.replace(":8000/", f":{port}/") for part in test[2:])]
    return subprocess.run(arguments, capture_output=True, timeout=60).returncode


def test_the_compose_processes_serve_readyz_and_consume_every_queue(spec, loopback, make_user, tmp_path):
    from cohorts.services import export_start
    from modelhub.services.inference import inference_start
    from modelhub.services.training import training_start
    from modelhub.services.versions import model_version_import

    services = spec["services"]
    logs = tmp_path / "logs"
    logs.mkdir()
    people = {role: make_user(role)[0] for role in ("clinician", "labeller", "reviewer", "ml_lead", "researcher")}
    with ExitStack() as stack:
        port = web_process(stack, spec, process_env(services["web"], loopback), logs)
        workers = {}
        for name in ("worker", "training-worker"):
            arguments = compose.argv(services[name], {"INTERACTIVE_CONCURRENCY": "1"})
            env = process_env(services[name], loopback)
            workers[name] = stack.enter_context(started(name, local_argv(arguments), env, logs))
        schedule = str(tmp_path / "celerybeat-schedule")
        beat_argv = [schedule if a == "/tmp/celerybeat-schedule" else a for a in compose.argv(services["beat"])]
        beat_env = process_env(services["beat"], loopback)
        beat = stack.enter_context(started("beat", local_argv(beat_argv), beat_env, logs))

        status, body = get(port, "/readyz")
        assert status == 200, body
        assert set(json.loads(body)["checks"]) == {"database", "broker", "storage"}
        assert compose_healthcheck(spec, port) == 0

        # default: ingest post-processing and an export; inference: predictions; training: a tiny base.
        cohort = phantom_cohort(tmp_path / "cohort", devices=("A",), subjects=3, user=people["clinician"])
        accept_all(cohort, labeller=people["labeller"], reviewer=people["reviewer"])
        device = next(iter(cohort["images"].values())).device
        model_version_import(path=tiny_checkpoint(tmp_path / "tiny.pt"), name="tiny-base", activate=True)
        inference_start(image_ids=[image.id for image in cohort["images"].values()], user=people["ml_lead"])
        export_start(user=people["researcher"], filters={"unit": "image"}, format="csv")
        training_start(device=None, parent=None, options={**TINY, "data_device_id": device.id}, user=people["ml_lead"])

        wait_for(
            lambda: all_running([*workers.values(), beat]) and not unfinished_jobs(),
            timeout=240,
            what="every job to finish",
            log_path=workers["training-worker"].log_path,
        )
        assert beat.poll() is None and "beat: Starting" in Path(beat.log_path).read_text()
        logs_by_service = {name: Path(process.log_path).read_text() for name, process in workers.items()}

    jobs = list(Job.objects.all())
    assert {job.kind for job in jobs} >= {"ingest", "infer", "export", "train"}
    assert [(job.kind, job.error) for job in jobs if job.state != "succeeded"] == []
    consumers = {queue: name for name in workers for queue in compose.consumed_queues(services[name])}
    for job in jobs:
        ran_it = consumers[job.queue]
        assert job.celery_task_id in logs_by_service[ran_it], f"{job} on {job.queue} did not run on {ran_it}"
        others = [name for name in workers if name != ran_it]
        assert all(job.celery_task_id not in logs_by_service[name] for name in others), f"{job} ran elsewhere"


def test_readyz_names_a_broker_that_cannot_be_reached(spec, loopback, tmp_path):
    dead_broker = {**loopback, "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0"}
    with ExitStack() as stack:
        port = web_process(stack, spec, process_env(spec["services"]["web"], dead_broker), tmp_path)
        status, body = get(port, "/readyz")  # within get's timeout, or the test fails
        assert status == 503, body
        answer = json.loads(body)
        assert answer["failing"] == ["broker"], answer
        assert "127.0.0.1" not in body.decode()
        assert compose_healthcheck(spec, port) != 0
        assert get(port, "/healthz")[0] == 200
