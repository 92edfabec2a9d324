"""Inference: every upload with its device's active version (or the base); on demand for a study, a device
or everything. Each prediction becomes a pre-label; later apps (measurements) act on it through
hooks.run_after_predict."""

import io
import time

import numpy as np
from django.db import transaction
from PIL import Image as PILImage

from annotations.services import prelabel_store
from jobs.models import Job
from jobs.services import JobCancelled, job_create, job_create_or_join, job_progress
from studies import storage
from studies.models import Image

from ..hooks import run_after_predict
from ..models import ModelVersion, Prediction
from ..selectors import active_version
from .predictors import predictor_for

PROGRESS_EVERY_S = 0.5  # progress (and the cancel check) between images at most this often


def mask_png(mask: np.ndarray) -> bytes:
    out = io.BytesIO()
    PILImage.fromarray(mask.astype(np.uint8), mode="L").save(out, format="PNG")
    return out.getvalue()


def inference_start(*, image_ids: list[int], user=None, reason: str = "") -> Job | None:
    """Queue inference for these images; nothing to do (no images or no model at all) returns None."""
    if not image_ids or not ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).exists():
        return None
    return job_create(
        kind=Job.Kind.INFER,
        params={"image_ids": sorted(image_ids), "reason": reason},
        created_by=user,
        task_name="modelhub.tasks.run_inference",
        queue="inference",
    )


def inference_after_ingest(*, study_id: int, image_ids: list[int], user) -> Job | None:
    """Inference of newly stored images; one upload batch's images join one queued job (per uploader)."""
    if not image_ids or not ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).exists():
        return None
    return job_create_or_join(
        kind=Job.Kind.INFER,
        params={"image_ids": sorted(image_ids), "reason": "upload"},
        merge="image_ids",
        created_by=user,
        task_name="modelhub.tasks.run_inference",
        queue="inference",
    )


def inference_run(*, job: Job) -> dict:
    images = Image.objects.filter(pk__in=job.params["image_ids"]).select_related("device", "series__study__subject")
    done, skipped = 0, 0
    total = max(1, len(job.params["image_ids"]))
    versions: dict[int, ModelVersion | None] = {}  # per device, looked up once per job
    reported = time.monotonic()
    for index, image in enumerate(images.order_by("id")):
        if image.device_id not in versions:
            versions[image.device_id] = active_version(device=image.device)
        version = versions[image.device_id]
        if version is None:
            skipped += 1
            continue
        image_predict(image=image, version=version)
        done += 1
        # the study page shows "Measuring… 40 %"; at most twice a second, not a write and a read per image
        if time.monotonic() - reported >= PROGRESS_EVERY_S or index + 1 == total:
            reported = time.monotonic()
            if not job_progress(job_id=job.pk, progress=(index + 1) / total):
                raise JobCancelled()
    return {"predicted": done, "skipped_no_model": skipped}


def image_predict(*, image: Image, version: ModelVersion) -> Prediction:
    """Predict one image (idempotent per version), store the pre-label and tell the after-predict hooks."""
    existing = Prediction.objects.filter(version=version, image=image).first()
    if existing:
        return existing
    hu = np.asarray(storage.hu_load(image.hu_path))
    started = time.perf_counter()
    result = predictor_for(version=version).predict(hu, image.pixel_spacing_mm)
    seconds = time.perf_counter() - started
    png = mask_png(result.mask)  # the same bytes as annotations' mask_encode: one PNG serves both rows
    with transaction.atomic():
        prediction, created = Prediction.objects.get_or_create(
            version=version,
            image=image,
            defaults={"mask_png": png, "uncertainty": result.uncertainty, "seconds": seconds},
        )
        if created:
            prelabel_store(
                image=image,
                mask=result.mask,
                model_version_id=version.id,
                model_version_name=version.name,
                uncertainty=result.uncertainty,
                png=png,
            )
            run_after_predict(prediction=prediction, hu=hu, mask=result.mask)
    return prediction
