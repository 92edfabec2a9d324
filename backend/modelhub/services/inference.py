"""Inference with each device's active version (or the base): after an upload, of the slices measured without
being asked (images_to_measure: a few chosen slices at once; a volume at its L3 once L3 is known, and again
when the L3 moves); on demand for a series (whole-series metrics), a study, a device or everything. Each
prediction becomes a pre-label; later apps (measurements) act on it through hooks.run_after_predict."""

import io
import time
from collections import defaultdict

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from PIL import Image as PILImage

from annotations.services import prelabel_store
from jobs.models import Job
from jobs.services import JobCancelled, job_create, job_create_or_join, job_progress
from studies import storage
from studies.levels import level_window
from studies.models import Image, Series

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


def images_to_measure(*, image_ids: list[int]) -> list[int]:
    """Of these images, those measured without being asked: every slice of a series of a few chosen slices
    (MEASURE_ALL_UP_TO_SLICES), or of any series under MEASURE_WHOLE_SERIES; of a longer series only the
    slices of its L3 measurement (studies.levels.level_window), none before its L3 is known."""
    if settings.MUSCLESEED_MEASURE_WHOLE_SERIES:
        return sorted(image_ids)
    by_series: dict[int, set[int]] = defaultdict(set)
    for image_id, series_id in Image.objects.filter(pk__in=image_ids).values_list("id", "series_id"):
        by_series[series_id].add(image_id)
    chosen: set[int] = set()
    for series in Series.objects.filter(pk__in=by_series).annotate(slices=Count("images")):
        if series.slices <= settings.MUSCLESEED_MEASURE_ALL_UP_TO_SLICES:
            chosen |= by_series[series.pk]
        else:
            chosen |= by_series[series.pk] & {image.pk for image in level_window(series=series)}
    return sorted(chosen)


def inference_after_ingest(*, study_id: int, image_ids: list[int], user) -> Job | None:
    """Inference of the newly stored images that are measured at once (images_to_measure); one upload batch's
    images join one queued job (per uploader). It is queued before level detection, so a measurement of a
    few chosen slices never waits behind it; a volume's L3 follows from inference_after_level_change."""
    if not ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).exists():
        return None
    image_ids = images_to_measure(image_ids=image_ids)
    if not image_ids:
        return None
    return job_create_or_join(
        kind=Job.Kind.INFER,
        params={"image_ids": sorted(image_ids), "reason": "upload"},
        merge="image_ids",
        created_by=user,
        task_name="modelhub.tasks.run_inference",
        queue="inference",
    )


def inference_after_level_change(*, series_id: int, user=None) -> Job | None:
    """The series' L3 slice was found, accepted or moved: predict the slices of its L3 measurement that its
    device's model has not predicted yet (they join a queued job of the same uploader)."""
    series = Series.objects.select_related("device").get(pk=series_id)
    version = active_version(device=series.device)
    if version is None:
        return None
    window = [image.pk for image in level_window(series=series)]
    done = set(Prediction.objects.filter(version=version, image_id__in=window).values_list("image_id", flat=True))
    missing = sorted(set(window) - done)
    if not missing:
        return None
    return job_create_or_join(
        kind=Job.Kind.INFER,
        params={"image_ids": missing, "reason": "L3"},
        merge="image_ids",
        created_by=user,
        task_name="modelhub.tasks.run_inference",
        queue="inference",
    )


def inference_run(*, job: Job) -> dict:
    image_ids = job.params["image_ids"]
    if job.params.get("reason") == "upload":  # the series may have grown into a volume since it was queued
        image_ids = images_to_measure(image_ids=image_ids)
    images = Image.objects.filter(pk__in=image_ids).select_related("device", "series__study__subject")
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
    not_needed = len(job.params["image_ids"]) - len(image_ids)
    return {"predicted": done, "skipped_no_model": skipped, "skipped_not_needed": not_needed}


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
