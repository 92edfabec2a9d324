"""The demo cohort: phantom CT from several device profiles through the real ingest path, accepted SEED
annotations for a few train images per device and for every test image, and a base model job."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import Annotation
from annotations.selectors import label_set_get
from annotations.services import annotation_import_accepted
from jobs.models import Job
from segmentation.cohort import write_cohort
from studies.dicomio import remap_uid
from studies.models import Device, Image
from studies.services import upload_ingest

from ..models import ModelVersion
from .training import training_start


@dataclass(frozen=True)
class DemoPlan:
    subjects: int = 10  # per device
    devices: tuple[str, ...] = ("A", "B", "C", "D")
    seeds_per_device: int = 3  # accepted train-split annotations per device
    base_epochs: int = 12
    base_steps_per_epoch: int = 20  # a demo base in about a minute, not the product's full length
    # batch norm for that short run on 3.5 mm images: 0.70 test Dice vs 0.50 with the engine's default
    # instance norm (which the engine benchmark measured on long runs at 1 mm)
    base_net_kwargs: tuple[tuple[str, object], ...] = (("width", 16), ("norm", "batch"))
    image_size: int = 128


def demo_seed(*, folder: Path, plan: DemoPlan, clinician: User, labeller: User, reviewer: User, ml_lead: User) -> dict:
    manifest = _cohort(folder, plan)
    _ingest(folder, manifest, clinician)
    accepted = _accept_ground_truth(folder, manifest, plan, labeller, reviewer)
    job = _base_model_job(manifest, plan, ml_lead)
    return {"images": len(manifest["images"]), "accepted": accepted, "base_job_id": job.id if job else None}


def _cohort(folder: Path, plan: DemoPlan) -> dict:
    if not (folder / "manifest.json").exists():
        write_cohort(folder, subjects=plan.subjects, devices=plan.devices, level="L3")
    import json

    return json.loads((folder / "manifest.json").read_text())


def _ingest(folder: Path, manifest: dict, user: User) -> None:
    uploads = [SimpleUploadedFile(Path(e["path"]).name, (folder / e["path"]).read_bytes()) for e in manifest["images"]]
    for start in range(0, len(uploads), 20):
        upload_ingest(files=uploads[start : start + 20], user=user)


def _image_for(entry: dict) -> Image | None:
    return Image.objects.filter(
        sop_uid=remap_uid(entry["sop_instance_uid"], settings.MUSCLESEED_DEID_SALT.encode())
    ).first()


def _accept_ground_truth(folder: Path, manifest: dict, plan: DemoPlan, labeller: User, reviewer: User) -> int:
    labels = np.load(folder / "labels.npz")
    label_set = label_set_get()
    per_device: dict[int, int] = {}
    accepted = 0
    for entry in manifest["images"]:
        image = _image_for(entry)
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


def _base_model_job(manifest: dict, plan: DemoPlan, ml_lead: User) -> Job | None:
    if ModelVersion.objects.filter(device__isnull=True).exists():
        return None
    first = manifest["images"][0]
    image = _image_for(first)
    device = image.device if image else Device.objects.order_by("id").first()
    return training_start(
        device=None,
        parent=None,
        options={
            "epochs": plan.base_epochs,
            "steps_per_epoch": plan.base_steps_per_epoch,
            "net_kwargs": dict(plan.base_net_kwargs),
            "image_size": plan.image_size,
            "data_device_id": device.id,
            "auto_promote": True,
            "replay": False,
        },
        user=ml_lead,
    )
