"""Job machinery figures with a real Celery worker process, as `make run` starts it.

Writes benchmarks/results/jobs.json:
- inference: one inference job over --images 512x512 phantom slices on one worker, with the shipped base
  model (backend/segmentation/weights/base-v1.pt, unet) already loaded in the worker, as images/s; beside
  it the engine's own rate (segmentation.infer.Predictor with the same settings, predicting the same HU
  arrays in this process while the worker is idle), timed before and after the job since the machine may be
  shared, and the ratio of the job's rate to their mean; `predict_share_of_job` is the part of the job's
  time spent in Predictor.predict inside the worker (from Prediction.seconds), which load on a shared
  machine disturbs less than two separately timed rates; `promotion_job` is the job that the
  base model's activation queued over the same images (it includes the worker loading the model);
- upload_to_measurement_s: seconds from upload (API service) to a stored measurement for one 512x512 slice
  (median of --uploads uploads), through ingest job -> inference job;
- overhead_per_task_s: enqueue -> succeeded for a job with nothing to do (claim, state writes, broker round trip).

Embedded default (SQLite under a temp folder, kombu filesystem broker); pass DATABASE_URL and
CELERY_BROKER_URL to measure PostgreSQL + Redis instead. The figures "during training" are not measured here.
Usage: .venv/bin/python benchmarks/jobs.py [--images 100] [--uploads 5] [--tasks 30]
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

LOAD_AT_START = [round(load, 2) for load in os.getloadavg()]
WORK = django_setup("jobs", eager=False, TORCH_THREADS="2")
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402

from jobs.models import Job  # noqa: E402
from measurements.models import Measurement  # noqa: E402
from modelhub.services.inference import inference_start  # noqa: E402
from modelhub.services.versions import model_version_import  # noqa: E402
from segmentation.base import NAME as BASE_NAME  # noqa: E402
from segmentation.dicom_io import write_dicom  # noqa: E402
from segmentation.infer import Predictor  # noqa: E402
from segmentation.phantom import make_slice  # noqa: E402
from studies import storage  # noqa: E402
from studies.models import Image  # noqa: E402
from studies.services import upload_ingest  # noqa: E402

BASE_WEIGHTS = ROOT / "backend" / "segmentation" / "weights" / f"{BASE_NAME}.pt"


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


def wait(predicate, timeout: float, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise TimeoutError((WORK / "worker.log").read_text()[-2000:])


def shipped_base() -> dict:
    """Import and activate the shipped base model; the promotion queues one inference job over every image."""
    started = time.perf_counter()
    version = model_version_import(path=BASE_WEIGHTS, name=BASE_NAME, activate=True)
    job = Job.objects.filter(kind=Job.Kind.INFER).order_by("-id").first()
    if job is not None:
        wait(lambda: Job.objects.get(pk=job.pk).is_finished, timeout=3600)
    seconds = time.perf_counter() - started
    images = len(job.params["image_ids"]) if job else 0
    return {"model": f"{version.name} ({version.arch})", "images": images, "seconds": round(seconds, 2)}


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


def upload_images(images: int) -> list[int]:
    """Phantom slices of device C, uploaded 50 per request while no model is active (no inference queued)."""
    ids = []
    for start in range(0, images, 50):
        batch = [SimpleUploadedFile(f"{s}.dcm", dicom_bytes(s, "C")) for s in range(start, min(images, start + 50))]
        ids += [o.image_id for o in upload_ingest(files=batch, user=None) if o.image_id]
    wait(lambda: not Job.objects.exclude(state__in=["succeeded", "failed", "cancelled"]).exists(), timeout=3600)
    return ids


def inference_job(ids: list[int]) -> dict:
    """One inference job over these images, their earlier predictions deleted, the model already loaded."""
    from modelhub.models import Prediction

    Prediction.objects.filter(image_id__in=ids).delete()
    job = inference_start(image_ids=ids, reason="benchmark")
    # polled slowly (a busy poller takes CPU from the worker's torch threads), timed from the job's own row
    wait(lambda: Job.objects.get(pk=job.pk).is_finished, timeout=3600, every=1.0)
    job.refresh_from_db()
    seconds = (job.finished_at - job.created_at).total_seconds()
    predict = sorted(Prediction.objects.filter(image_id__in=ids).values_list("seconds", flat=True))
    return {
        "images": len(ids),
        "seconds": round(seconds, 2),
        "images_per_s": round(len(ids) / seconds, 2),
        "state": job.state,
        "result": job.result,
        # Predictor.predict inside the worker (Prediction.seconds): the share of the job spent in the engine
        "predict_s_in_job": {"median": round(statistics.median(predict), 3), "max": round(predict[-1], 3)},
        "predict_share_of_job": round(sum(predict) / seconds, 3),
    }


def engine_rate(ids: list[int]) -> dict:
    """The engine alone on the same HU arrays, with the worker's settings (threads, flip, device)."""
    from django.conf import settings

    predictor = Predictor(
        BASE_WEIGHTS,
        device=settings.MUSCLESEED_TORCH_DEVICE,
        threads=settings.MUSCLESEED_TORCH_THREADS,
        flip=settings.MUSCLESEED_PREDICT_FLIP,
    )
    images = [(storage.hu_load(i.hu_path), i.pixel_spacing_mm) for i in Image.objects.filter(pk__in=ids)]
    predictor.predict(*images[0])  # warm-up, as the worker's first image
    started = time.perf_counter()
    for hu, spacing in images:
        predictor.predict(hu, spacing)
    seconds = time.perf_counter() - started
    return {"images": len(images), "seconds": round(seconds, 2), "images_per_s": round(len(images) / seconds, 2)}


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
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--uploads", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=30)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    worker = start_worker()
    try:
        ids = upload_images(args.images)
        promotion = shipped_base()
        engine_before = engine_rate(ids)
        job = inference_job(ids)
        engine_after = engine_rate(ids)
        first = upload_to_measurement(args.uploads)
        overhead = task_overhead(args.tasks)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    from django.conf import settings

    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average_at_start": LOAD_AT_START,
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "broker": settings.CELERY_BROKER_URL.split("://")[0],
        "default_model": f"{promotion['model']}, shipped; 512x512 slices, flip {settings.MUSCLESEED_PREDICT_FLIP}, "
        f"{settings.MUSCLESEED_TORCH_THREADS} torch threads",
        "inference": {
            "job": job,
            "engine_predictor_before": engine_before,
            "engine_predictor_after": engine_after,
            "ratio": round(2 * job["images_per_s"] / (engine_before["images_per_s"] + engine_after["images_per_s"]), 3),
            "promotion_job": promotion,
        },
        "upload_to_measurement_s": {
            "median": round(statistics.median(first), 3),
            "all": [round(s, 3) for s in first],
        },
        "overhead_per_task_s": {
            "median": round(statistics.median(overhead), 4),
            "p95": round(sorted(overhead)[int(0.95 * (len(overhead) - 1))], 4),
            "tasks": len(overhead),
        },
        "not_measured": "upload -> measurement and export latency during training (issue 19 asks for them)",
    }
    out = ROOT / "benchmarks" / "results" / "jobs.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
