"""Evaluate a version on every device's fixed test split (accepted annotations only)."""

import math

from jobs.models import Job
from jobs.services import job_create
from segmentation.evaluate import evaluate
from studies.models import Device

from ..hooks import run_after_evaluate
from ..models import Evaluation, ModelVersion
from .predictors import predictor_for
from .samples import accepted_samples


def _finite(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def model_version_evaluate(*, version: ModelVersion) -> list[Evaluation]:
    """One Evaluation per device that has accepted test-split annotations."""
    predictor = predictor_for(version=version)
    rows = []
    for device in Device.objects.order_by("id"):
        samples, _ = accepted_samples(device=device, split="test")
        if not samples:
            continue
        result = evaluate(predictor, samples)
        row, _ = Evaluation.objects.update_or_create(
            version=version,
            device=device,
            defaults={
                "images": result.images,
                "dice_mean": result.dice_mean,
                "dice_sd": result.dice_sd,
                "hd95_mm_median": _finite(result.hd95_mm_median),
                "sma_error_median": _finite(result.sma_error_median),
            },
        )
        rows.append(row)
    run_after_evaluate(version_id=version.pk)
    return rows


def evaluation_start(*, version: ModelVersion, user=None) -> Job:
    """Queue the evaluation of `version` on every device's test split (a version imported, not trained here)."""
    return job_create(
        kind=Job.Kind.EVALUATE,
        params={"version_id": version.id},
        created_by=user,
        task_name="modelhub.tasks.evaluate_model_version",
        queue="inference",
    )


def evaluation_run(*, job: Job) -> dict:
    version = ModelVersion.objects.get(pk=job.params["version_id"])
    rows = model_version_evaluate(version=version)
    return {"version": version.name, "devices": len(rows), "images": sum(row.images for row in rows)}
