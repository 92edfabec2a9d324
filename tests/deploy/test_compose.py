"""docker-compose.yml holds together: every command runs something that exists, every queue the app sends to
has a worker with and without the gpu profile, one beat, env names the settings read, health-gated startup."""

import ipaddress
import re
import warnings
from importlib import import_module

import pytest
from django.conf import settings
from django.core.management import get_commands

from tests.conftest import PROJECT_ROOT
from tests.deploy import compose

BACKEND = PROJECT_ROOT / "backend"
OBJECT_STORAGE_ENV = {"S3_BUCKET", "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION"}
ENV_READ = re.compile(r"(?:env_\w+|secret_from_env_or_file|environ\.get|getenv)\(\s*\"([A-Z][A-Z0-9_]*)\"")
QUEUE_SENT = re.compile(r"\bqueue=\"(\w+)\"")


@pytest.fixture(scope="module")
def spec() -> dict:
    return compose.load()


def routed_queues() -> set[str]:
    """Every queue a job is sent to (jobs.services sends each job to its row's queue), and the default."""
    sources = (path for path in BACKEND.rglob("*.py") if "migrations" not in path.parts)
    sent = {queue for path in sources for queue in QUEUE_SENT.findall(path.read_text())}
    return sent | {settings.CELERY_TASK_DEFAULT_QUEUE}


def env_names_read_by_settings() -> set[str]:
    return {name for path in (BACKEND / "config").glob("*.py") for name in ENV_READ.findall(path.read_text())}


def consumers(services: dict) -> dict[str, set[str]]:
    by_queue: dict[str, set[str]] = {}
    for name, service in services.items():
        for queue in compose.consumed_queues(service):
            by_queue.setdefault(queue, set()).add(name)
    return by_queue


def test_the_app_sends_jobs_to_the_three_queue_classes():
    assert {"default", "inference", "training"} <= routed_queues()


def test_every_queue_has_a_worker_without_the_gpu_profile(spec):
    served = consumers(compose.active(spec, profiles=set()))
    missing = routed_queues() - served.keys()
    assert not missing, f"no worker consumes {sorted(missing)} on a plain `docker compose up`"
    assert "gpu-worker" not in compose.active(spec, profiles=set())


def test_the_gpu_worker_takes_over_training_with_the_gpu_profile(spec):
    scaled = compose.documented_gpu_scale_to_zero()
    assert scaled, "the file's header names the --scale NAME=0 that hands training to the GPU worker"
    served = consumers(compose.active(spec, profiles={"gpu"}, scaled_to_zero=scaled))
    assert not routed_queues() - served.keys()
    assert served["training"] == {"gpu-worker"}
    gpu = spec["services"]["gpu-worker"]
    assert gpu["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]
    assert compose.environment(gpu)["TORCH_DEVICE"].startswith("cuda")


def test_training_never_shares_a_worker_with_interactive_queues(spec):
    for profiles in (set(), {"gpu"}):
        for name, service in compose.active(spec, profiles).items():
            queues = compose.consumed_queues(service)
            assert "training" not in queues or queues == {"training"}, f"{name} runs training beside {queues}"


def test_beat_runs_once_as_its_own_service(spec):
    beats = []
    for name, service in spec["services"].items():
        arguments = compose.without_nice(compose.argv(service))
        if compose.celery_subcommand(arguments) == "beat":
            beats.append(name)
        if compose.celery_subcommand(arguments) == "worker":
            assert not {"-B", "--beat"} & set(arguments), f"{name} embeds a beat: two schedulers would run"
    assert beats == ["beat"]
    beat = spec["services"]["beat"]
    assert not beat.get("profiles") and beat.get("deploy", {}).get("replicas", 1) == 1


@pytest.mark.parametrize("name", ["migrate", "web", "worker", "training-worker", "gpu-worker", "beat"])
def test_each_app_command_runs_a_program_that_exists(spec, name, monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)  # the image's WORKDIR; celery's --workdir changes into it while parsing
    arguments = compose.without_nice(compose.argv(spec["services"][name]))
    program = arguments[0]
    if program == "python":
        assert arguments[1] == "manage.py" and (PROJECT_ROOT / "manage.py").is_file()
        assert arguments[2] in get_commands(), f"manage.py has no command {arguments[2]!r}"
    elif program == "celery":
        assert_celery_runs(arguments)
    elif program == "gunicorn":
        assert_gunicorn_runs(arguments)
    else:
        pytest.fail(f"{name} runs {program!r}, which this test does not know how to check")


def assert_celery_runs(arguments: list[str]) -> None:
    """Celery's own command line parses the arguments (an option in the wrong place is refused)."""
    from celery.bin.base import CLIContext
    from celery.bin.celery import celery as celery_cli

    app_module = compose.option(arguments, "-A", "--app")
    assert (PROJECT_ROOT / compose.option(arguments, "--workdir")).is_dir()
    app = getattr(import_module(f"{app_module}.celery"), "app", None)
    assert app is not None, f"-A {app_module} names no Celery app"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # click's protected_args, until Click 9
        context = celery_cli.make_context("celery", arguments[1:])
        name, command, rest = celery_cli.resolve_command(context, [*context.protected_args, *context.args])
    context.obj = CLIContext(app=app, no_color=True, workdir=None, quiet=True)  # what `celery` itself sets
    command.make_context(name, rest, parent=context)  # raises click's UsageError for what it does not take


def assert_gunicorn_runs(arguments: list[str]) -> None:
    from gunicorn.util import load_class

    module, _, attribute = arguments[1].partition(":")
    assert (PROJECT_ROOT / compose.option(arguments, "--chdir")).is_dir()
    assert callable(getattr(import_module(module), attribute or "application"))
    worker_class = compose.option(arguments, "-k", "--worker-class")
    assert load_class(worker_class, default="gunicorn.workers.sync.SyncWorker", section="gunicorn.workers")


def test_every_env_name_the_app_services_set_is_read_by_settings(spec):
    read = env_names_read_by_settings()
    for name, service in compose.app_services(spec).items():
        unread = set(compose.environment(service)) - read - OBJECT_STORAGE_ENV
        assert not unread, f"{name} sets {sorted(unread)}, which backend/config never reads"


def test_object_storage_env_names_are_read_by_the_storage_settings(spec):
    read = env_names_read_by_settings()
    if "S3_BUCKET" not in read:
        pytest.skip("object storage settings (S3_*) are not on this branch yet")
    assert OBJECT_STORAGE_ENV <= read
    for name, service in compose.app_services(spec).items():
        assert OBJECT_STORAGE_ENV <= set(compose.environment(service)), f"{name} lacks the S3 settings"


def test_the_app_trusts_forwarded_headers_from_nginx_alone(spec):
    nginx = spec["services"]["nginx"]
    address = nginx["networks"]["default"]["ipv4_address"]
    subnet = ipaddress.ip_network(spec["networks"]["default"]["ipam"]["config"][0]["subnet"])
    assert ipaddress.ip_address(address) in subnet
    for name, service in compose.app_services(spec).items():
        assert compose.environment(service)["TRUSTED_PROXIES"] == address, name
        assert not service.get("ports"), f"{name} is reachable without nginx"


def test_nginx_buffers_bodies_up_to_the_apps_upload_limit(spec):
    nginx = spec["services"]["nginx"]
    template = compose.mounted_file(nginx, "/etc/nginx/templates/default.conf.template")
    assert template and template.is_file()
    conf = template.read_text()
    assert "proxy_request_buffering on;" in conf
    assert "client_max_body_size ${UPLOAD_MAX_REQUEST_MB}m;" in conf
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    limit = compose.environment(nginx)["UPLOAD_MAX_REQUEST_MB"]
    assert int(limit) == settings.MUSCLESEED_UPLOAD_MAX_REQUEST_MB
    assert compose.environment(spec["services"]["web"])["UPLOAD_MAX_REQUEST_MB"] == limit
    upstream = re.search(r"server (\S+):(\d+);", conf)
    assert upstream.group(1) in spec["services"]
    assert f"0.0.0.0:{upstream.group(2)}" in compose.argv(spec["services"]["web"])
    certs = compose.mounted_file(nginx, "/etc/nginx/certs")
    assert certs and certs.is_dir()
    assert re.findall(r"ssl_certificate(?:_key)? /etc/nginx/certs/", conf)


@pytest.mark.parametrize(
    ("name", "probe"),
    [("web", "/readyz"), ("postgres", "pg_isready"), ("redis", "redis-cli ping"), ("minio", "mc ready")],
)
def test_services_declare_healthchecks(spec, name, probe):
    check = spec["services"][name]["healthcheck"]["test"]
    assert probe in " ".join(check), f"{name}'s healthcheck does not use {probe}"


def test_services_start_only_after_what_they_need_is_healthy(spec):
    services = spec["services"]
    for name, service in services.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert isinstance(rule, dict) and "condition" in rule, f"{name} -> {dependency}: no condition"
            target = services[dependency]
            expected = "service_healthy" if "healthcheck" in target else "service_completed_successfully"
            assert rule["condition"] == expected, f"{name} -> {dependency}"
    for name, service in compose.app_services(spec).items():
        assert "postgres" in service["depends_on"], name
        if name != "migrate":
            assert {"redis", "migrate", "minio-bucket"} <= set(service["depends_on"]), name
    assert services["nginx"]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_the_image_is_the_one_every_app_service_runs():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "WORKDIR /app" in dockerfile and "COPY . ." in dockerfile
    assert "PYTHONPATH=/app/backend" in dockerfile and "DJANGO_SETTINGS_MODULE=config.settings" in dockerfile
