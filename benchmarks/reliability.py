"""Faults that would disturb other tests, so they live here and not in pytest: Redis restarted during an
inference job, PostgreSQL restarted during a training job. Runs its own gunicorn and Celery worker against
its own database (muscleseed_reliability) and Redis db 12, then reports what happened to each job.

A job must recover or fail visibly: after the sweeper has run, none may be left running or queued unsent.
Writes the "faults" key of benchmarks/results/reliability.json (other keys are kept).
Usage (as root, on a machine whose PostgreSQL and Redis may be restarted):
  .venv/bin/python benchmarks/reliability.py [--scenario redis|postgres|all]
"""

import argparse
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack import Stack, results_merge, wait_until  # noqa: E402

REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1 -::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]
OUTAGE_SECONDS = 5


def restart_redis() -> float:
    started = time.monotonic()
    subprocess.run(["redis-cli", "shutdown", "nosave"], check=False, capture_output=True)
    time.sleep(OUTAGE_SECONDS)
    subprocess.run(REDIS_START, check=True)
    wait_until(lambda: subprocess.run(["redis-cli", "ping"], capture_output=True).stdout.strip() == b"PONG", timeout=30)
    return round(time.monotonic() - started, 1)


def restart_postgres() -> float:
    started = time.monotonic()
    cluster = subprocess.run(["ls", "/etc/postgresql"], capture_output=True, text=True, check=True).stdout.split()[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"], check=True)
    return round(time.monotonic() - started, 1)


class Api:
    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, {"body": error.read()[:300].decode(errors="replace")}
        except OSError as error:
            return 0, {"error": str(error)}


def seed(stack: Stack) -> dict:
    """A phantom cohort with accepted masks, an active small model, an ML lead with a token."""
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    from accounts.roles import ensure_role_groups, user_set_role
    from annotations.services import annotation_import_accepted
    from config.celery import app
    from modelhub.services.phantom_cohort import phantom_cohort_ingest, phantom_cohort_write, phantom_labels
    from modelhub.services.versions import model_version_import
    from segmentation.cohort import phantom_samples
    from segmentation.preprocess import PreprocessConfig
    from segmentation.train import TrainConfig, train

    app.conf.task_always_eager = True  # ingest jobs run here, before any model exists: no inference yet
    ensure_role_groups()
    users = {}
    for role in ("ml_lead", "labeller", "reviewer", "clinician"):
        users[role] = User.objects.create_user(username=f"faults-{role}", password="faults-password-1")
        user_set_role(user=users[role], role=role)
    folder = stack.work / "cohort"
    manifest = phantom_cohort_write(folder, subjects=12, devices=("A", "B"), matrix=96)
    labels = phantom_labels(folder)
    stored = phantom_cohort_ingest(folder, manifest, user=users["clinician"])
    for sop, image in stored.items():
        annotation_import_accepted(
            image=image, mask=labels[sop], labeller=users["labeller"], reviewer=users["reviewer"]
        )
    app.conf.task_always_eager = False
    path = stack.work / "tiny.pt"
    config = TrainConfig(
        epochs=1, steps_per_epoch=1, augment=False, net_kwargs={"width": 4}, preprocess=PreprocessConfig(size=64)
    )
    train(phantom_samples("A", range(2), matrix=64), path, config)
    model_version_import(path=path, name="faults-base", activate=True)
    return {"token": Token.objects.create(user=users["ml_lead"]).key, "users": users}


def job_view(job_id: int) -> dict:
    from jobs.models import Job

    job = Job.objects.get(pk=job_id)
    return {
        "id": job.pk,
        "kind": job.kind,
        "state": job.state,
        "attempts": job.attempts,
        "progress": round(job.progress, 3),
        "error": job.error.splitlines()[0][:300] if job.error else "",
        "log_tail": job.log_tail[-400:],
    }


def settle(job_ids: list[int], timeout: float) -> dict:
    """Wait for the jobs to finish; then run the sweeper as beat would (stale after 5 s, unsent after 0 s)
    and wait again. Reports whether anything is left running or queued."""
    from django.conf import settings
    from django.db import close_old_connections

    from jobs.models import Job
    from jobs.tasks import jobs_sweep

    def finished() -> bool:
        close_old_connections()
        return all(Job.objects.get(pk=pk).is_finished for pk in job_ids)

    finished_on_its_own = bool(wait_until(finished, timeout=timeout, interval=1))
    sweeps = []
    for _ in range(2):
        if finished():
            break
        settings.JOB_STALE_SECONDS, settings.JOB_UNSENT_SECONDS = 5, 0
        time.sleep(6)
        sweeps.append(jobs_sweep())
        wait_until(finished, timeout=timeout, interval=1)
    left = list(Job.objects.filter(state__in=["running", "queued"]).values_list("id", "kind", "state"))
    return {"finished_without_the_sweeper": finished_on_its_own, "sweeps": sweeps, "left_running_or_queued": left}


def duplicates() -> dict:
    from django.db.models import Count

    from annotations.models import Prelabel
    from measurements.models import Measurement
    from modelhub.models import Prediction

    def extra(queryset) -> int:
        return sum(row["n"] - 1 for row in queryset.values("image").annotate(n=Count("id")) if row["n"] > 1)

    return {
        "predictions": extra(Prediction.objects.all()),
        "prelabels": extra(Prelabel.objects.all()),
        "model_measurements": extra(Measurement.objects.filter(source="model")),
    }


def redis_scenario(stack: Stack, api: Api) -> dict:
    """Inference over every image; Redis goes away and comes back while it runs; an export is asked for
    during the outage; a new job is asked for afterwards."""
    from jobs.models import Job
    from modelhub.models import Prediction
    from studies.models import Image

    Prediction.objects.all().delete()
    status, started = api.call("POST", "/api/inference/", {"all": True})
    assert status == 202, started
    job_id = started["job_id"]
    wait_until(lambda: Prediction.objects.count() >= 3, timeout=300, interval=0.2)
    predicted_at_restart = Prediction.objects.count()
    outage = {}

    def during_outage() -> None:
        code, body = api.call("POST", "/api/exports/", {"format": "csv", "filters": {}})
        outage["export_request"] = {"status": code, "body": str(body)[:300]}
        outage["job_status_api"] = api.call("GET", f"/api/jobs/{job_id}/")[0]

    import threading

    requester = threading.Timer(1.0, during_outage)
    requester.start()
    seconds = restart_redis()
    requester.join()
    export_job = Job.objects.filter(kind="export").order_by("-id").first()
    after_code, after = api.call("POST", "/api/exports/", {"format": "csv", "filters": {}})
    job_ids = [job_id] + [j.pk for j in Job.objects.filter(kind="export")]
    settled = settle(job_ids, timeout=120)
    return {
        "what": "redis-cli shutdown nosave during an inference job over every image, restarted after "
        f"{OUTAGE_SECONDS} s; an export requested during the outage and another after it",
        "outage_seconds": seconds,
        "images": Image.objects.count(),
        "predicted_when_redis_went_down": predicted_at_restart,
        "inference_job": job_view(job_id),
        "predictions": Prediction.objects.count(),
        "duplicates": duplicates(),
        "during_outage": outage | {"export_job": job_view(export_job.pk) if export_job else None},
        "export_after_restart": {"status": after_code, "job": job_view(after["job_id"]) if "job_id" in after else None},
        **settled,
    }


def postgres_scenario(stack: Stack, api: Api) -> dict:
    """A training job; PostgreSQL restarts during its third epoch; the job list is read during the restart."""
    from django.db import close_old_connections

    from jobs.models import Job
    from modelhub.models import ModelVersion
    from modelhub.services.training import training_start
    from studies.models import Device

    device = Device.objects.order_by("id").last()
    options = {"epochs": 12, "steps_per_epoch": 6, "image_size": 64, "net_kwargs": {"width": 4}, "replay": False}
    job = training_start(device=device, parent=ModelVersion.objects.get(name="faults-base"), options=options)

    def epoch() -> int:
        close_old_connections()
        return Job.objects.get(pk=job.pk).progress_detail.get("epoch", 0)

    wait_until(lambda: epoch() >= 2, timeout=300, interval=0.2)
    epoch_at_restart = epoch()
    seconds = restart_postgres()
    api_after = api.call("GET", "/api/jobs/")[0]
    close_old_connections()
    settled = settle([job.pk], timeout=180)
    version = ModelVersion.objects.get(training_job_id=job.pk)
    return {
        "what": "pg_ctlcluster restart during a training job (12 epochs of a small VNet), at epoch 2+",
        "restart_seconds": seconds,
        "epoch_at_restart": epoch_at_restart,
        "api_status_right_after_restart": api_after,
        "training_job": job_view(job.pk),
        "version_status": version.status,
        "epochs_in_history": [h["epoch"] for h in version.history],
        **settled,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", choices=("redis", "postgres", "all"), default="all")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    stack = Stack("faults", database="muscleseed_reliability", redis_db=12, port=args.port, web_workers=2)
    figures = {"command": ".venv/bin/python benchmarks/reliability.py " + " ".join(sys.argv[1:])}
    try:
        stack.migrate()
        stack.django_setup()
        seeded = seed(stack)
        # Inference slowed to SLOW_INFERENCE_SECONDS per image (tests/reliability/slow_inference.py) so that
        # the restart falls in the middle of the job on any machine.
        stack.env["SLOW_INFERENCE_SECONDS"] = "0.5"
        stack.start_worker(concurrency=1, app="tests.reliability.slow_inference")
        stack.start_web()
        api = Api(stack.url, seeded["token"])
        from jobs.models import Job

        wait_until(lambda: not Job.objects.exclude(state="succeeded").exists(), timeout=300)
        if args.scenario in ("redis", "all"):
            figures["redis_restart_during_inference"] = redis_scenario(stack, api)
        if args.scenario in ("postgres", "all"):
            figures["postgres_restart_during_training"] = postgres_scenario(stack, api)
        figures["worker_alive_at_end"] = stack.worker.poll() is None
    finally:
        stack.stop(keep=True)
        print(f"logs kept in {stack.work / 'log'}", file=sys.stderr)
    print(json.dumps(figures, indent=2, default=str))
    if not args.no_save:
        results_merge("faults", figures)


if __name__ == "__main__":
    main()
