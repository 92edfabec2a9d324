"""The demo cohort: phantom CT from several device profiles through the real ingest path, accepted SEED
annotations for a few train images per device and for every test image, the shipped base model (active,
evaluated on every device) and a transfer-learning job from it as the visible job."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import User

from annotations.models import Annotation
from annotations.selectors import label_set_get
from annotations.services import annotation_import_accepted
from jobs.models import Job
from segmentation.base import NAME, WEIGHTS_DIR
from studies.levels import series_level_mark

from ..models import ModelVersion
from .evaluation import evaluation_start
from .phantom_cohort import phantom_cohort_ingest, phantom_cohort_write, phantom_image, phantom_labels
from .training import training_start
from .versions import model_version_import


@dataclass(frozen=True)
class DemoPlan:
    subjects: int = 25  # per device: every 5th is a test subject, so 5 test images per device (the trust minimum)
    devices: tuple[str, ...] = ("A", "B", "C", "D")
    seeds_per_device: int = 5  # accepted train-split annotations per device (K=5 SEED images)
    transfer_device: str = "B"  # the visible job fine-tunes the base for this profile's scanner
    transfer_epochs: int = 8
    transfer_steps_per_epoch: int = 40  # a visible job of a few minutes on two cores, not the product's full length


def demo_seed(*, folder: Path, plan: DemoPlan, clinician: User, labeller: User, reviewer: User, ml_lead: User) -> dict:
    manifest = phantom_cohort_write(folder, subjects=plan.subjects, devices=plan.devices, level="L3")
    images = phantom_cohort_ingest(folder, manifest, user=clinician)
    _mark_l3(images.values(), clinician)
    accepted = _accept_ground_truth(folder, manifest, plan, labeller, reviewer)
    base = _shipped_base(ml_lead)
    job = _transfer_job(manifest, plan, base, ml_lead) if base else None
    return {
        "images": len(manifest["images"]),
        "accepted": accepted,
        "base": bool(base),
        "transfer_job_id": job and job.id,
    }


def _mark_l3(images, clinician: User) -> None:
    """The phantom draws L3 slices, one per series: the demo clinician marks each as its series' L3 (as a
    clinician would), so the researchers' default cohort (one row per subject at L3) is not empty."""
    for image in images:
        if image.series.level_image_id is None:
            series_level_mark(series=image.series, image=image, user=clinician)


def _accept_ground_truth(folder: Path, manifest: dict, plan: DemoPlan, labeller: User, reviewer: User) -> int:
    labels = phantom_labels(folder)
    label_set = label_set_get()
    per_device: dict[int, int] = {}
    accepted = 0
    for entry in manifest["images"]:
        image = phantom_image(entry["sop_instance_uid"])
        if image is None or Annotation.objects.filter(image=image, label_set=label_set).exists():
            continue
        if image.split == "train":
            if image.device_id not in per_device:  # re-running tops up to the plan, never past it
                per_device[image.device_id] = Annotation.objects.filter(
                    image__device=image.device, image__split="train", label_set=label_set
                ).count()
            if per_device[image.device_id] >= plan.seeds_per_device:
                continue
            per_device[image.device_id] += 1
        annotation_import_accepted(
            image=image,
            mask=labels[entry["sop_instance_uid"]],
            labeller=labeller,
            reviewer=reviewer,
            comment="demo ground truth",
            label_set=label_set,
        )
        accepted += 1
    return accepted


def _shipped_base(ml_lead: User) -> ModelVersion | None:
    """base-v1 from backend/segmentation/weights, imported and made active once (promotion queues the
    prediction of every image); its evaluation on every device's test split follows as a job. None when a
    base version already exists."""
    if ModelVersion.objects.filter(device__isnull=True).exists():
        return None
    record = json.loads((WEIGHTS_DIR / f"{NAME}.json").read_text())
    notes = f"shipped base, trained from synthetic CT by `python -m segmentation base` (sha256 {record['sha256']})"
    base = model_version_import(
        path=WEIGHTS_DIR / record["weights"], name=NAME, created_by=ml_lead, activate=True, notes=notes
    )
    evaluation_start(version=base, user=ml_lead)
    return base


def _transfer_job(manifest: dict, plan: DemoPlan, base: ModelVersion, ml_lead: User) -> Job | None:
    entry = next((e for e in manifest["images"] if e["device"] == plan.transfer_device), None)
    image = phantom_image(entry["sop_instance_uid"]) if entry else None
    if image is None:
        return None
    options = {"epochs": plan.transfer_epochs, "steps_per_epoch": plan.transfer_steps_per_epoch}
    return training_start(device=image.device, parent=base, options=options, user=ml_lead)
