"""Job machinery figures with a real Celery worker process, as `make run` starts it.

Writes benchmarks/results/jobs.json:
- upload_to_measurement_s: seconds from upload (API service) to a stored measurement for one 512x512 slice
  with the default model architecture (median of --uploads uploads), through ingest job -> inference job;
- inference_images_per_s: one inference job over --images 512x512 phantom slices on one worker;
- overhead_per_task_s: enqueue -> succeeded for a job with nothing to do (claim, state writes, broker round trip).

Embedded default (SQLite under a temp folder, kombu filesystem broker); pass DATABASE_URL and
CELERY_BROKER_URL to measure PostgreSQL + Redis instead.
Usage: .venv/bin/python benchmarks/jobs.py [--images 500] [--uploads 5] [--tasks 30]
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from bench_django import ROOT, django_setup

WORK = django_setup("jobs", eager=False, TORCH_THREADS="2")
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402

from jobs.models import Job  # noqa: E402
from measurements.models import Measurement  # noqa: E402
from modelhub.services.inference import inference_start  # noqa: E402
from modelhub.services.versions import model_version_import  # noqa: E402
from segmentation.cohort import phantom_samples  # noqa: E402
from segmentation.dicom_io import write_dicom  # noqa: E402
from segmentation.phantom import make_slice  # noqa: E402
from segmentation.train import TrainConfig, train  # noqa: E402
from studies.services import upload_ingest  # noqa: E402


def start_worker() -> subprocess.Popen:
    log = open(WORK / "worker.log", "w")  # noqa: SIM115
    return subprocess.Popen(
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
            "WARNING",
        ],
        cwd=ROOT / "backend",
        env={**os.environ, "PYTHONPATH": str(ROOT / "backend")},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError((WORK / "worker.log").read_text()[-2000:])


def default_model() -> None:
    """The default architecture and input size (weights barely trained: timing does not depend on them)."""
    path = WORK / "default.pt"
    train(phantom_samples("A", range(2), matrix=128), path, TrainConfig(epochs=1, steps_per_epoch=1, augment=False))
    model_version_import(path=path, name="bench-default", activate=True)


def dicom_bytes(seed: int, device: str = "B") -> bytes:
    path = WORK / f"slice-{device}-{seed}.dcm"
    write_dicom(make_slice(seed, device, "L3"), path)
    return path.read_bytes()


def upload_to_measurement(count: int) -> list[float]:
    seconds = []
    for seed in range(1000, 1000 + count):
        upload = SimpleUploadedFile(f"{seed}.dcm", dicom_bytes(seed))
        started = time.perf_counter()
        image_id = upload_ingest(files=[upload], user=None)[0].image_id
        wait(lambda image_id=image_id: Measurement.objects.filter(image_id=image_id).exists(), timeout=300)
        seconds.append(time.perf_counter() - started)
    return seconds


def inference_throughput(images: int) -> dict:
    ids = []
    for start in range(0, images, 50):
        batch = [SimpleUploadedFile(f"{s}.dcm", dicom_bytes(s, "C")) for s in range(start, min(images, start + 50))]
        ids += [o.image_id for o in upload_ingest(files=batch, user=None) if o.image_id]
    # Uploads queue their own inference; wait for those, then time one job over all images afresh.
    wait(lambda: not Job.objects.exclude(state__in=["succeeded", "failed", "cancelled"]).exists(), timeout=3600)
    from modelhub.models import Prediction

    Prediction.objects.filter(image_id__in=ids).delete()
    started = time.perf_counter()
    job = inference_start(image_ids=ids, reason="benchmark")
    wait(lambda: Job.objects.get(pk=job.pk).is_finished, timeout=3600)
    seconds = time.perf_counter() - started
    return {
        "images": len(ids),
        "seconds": round(seconds, 2),
        "images_per_s": round(len(ids) / seconds, 2),
        "state": Job.objects.get(pk=job.pk).state,
    }


def task_overhead(tasks: int) -> list[float]:
    """Enqueue -> succeeded for a job with next to nothing to do: inference of an image already predicted."""
    image_id = Measurement.objects.values_list("image_id", flat=True).first()
    latencies = []
    for _ in range(tasks):
        started = time.perf_counter()
        job = inference_start(image_ids=[image_id], reason="overhead")
        wait(lambda job=job: Job.objects.get(pk=job.pk).is_finished, timeout=60)
        latencies.append(time.perf_counter() - started)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--uploads", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=30)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    default_model()
    worker = start_worker()
    try:
        first = upload_to_measurement(args.uploads)
        overhead = task_overhead(args.tasks)
        throughput = inference_throughput(args.images)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    from django.conf import settings

    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "broker": settings.CELERY_BROKER_URL.split("://")[0],
        "default_model": "vnet (engine defaults), 512x512 slices",
        "upload_to_measurement_s": {
            "median": round(statistics.median(first), 3),
            "all": [round(s, 3) for s in first],
            "note": "first upload includes the worker loading the model",
        },
        "overhead_per_task_s": {
            "median": round(statistics.median(overhead), 4),
            "p95": round(sorted(overhead)[int(0.95 * (len(overhead) - 1))], 4),
            "tasks": len(overhead),
        },
        "inference": throughput,
    }
    out = ROOT / "benchmarks" / "results" / "jobs.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
