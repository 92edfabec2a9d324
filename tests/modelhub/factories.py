"""A small phantom cohort in the database: ingested through the real path, with accepted ground truth."""

from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.services import annotation_import_accepted
from segmentation.cohort import write_cohort
from studies.dicomio import remap_uid
from studies.models import Image
from studies.services import upload_ingest

TINY = {"epochs": 2, "steps_per_epoch": 4, "image_size": 64, "net_kwargs": {"width": 4}, "replay": False}


def phantom_cohort(
    folder: Path,
    *,
    devices=("A", "B"),
    subjects: int = 6,
    matrix: int = 96,
    user=None,
    first_seed: int = 0,
    level: str = "L3",
) -> dict:
    """Write and ingest a cohort; returns {"manifest", "labels", "images": {sop: Image}}."""
    manifest = write_cohort(
        folder, subjects=subjects, devices=devices, matrix=matrix, first_seed=first_seed, level=level
    )
    uploads = [SimpleUploadedFile(Path(e["path"]).name, (folder / e["path"]).read_bytes()) for e in manifest["images"]]
    upload_ingest(files=uploads, user=user)
    salt = settings.MUSCLESEED_DEID_SALT.encode()
    images = {
        e["sop_instance_uid"]: Image.objects.get(sop_uid=remap_uid(e["sop_instance_uid"], salt))
        for e in manifest["images"]
    }
    return {"manifest": manifest, "labels": np.load(folder / "labels.npz"), "images": images}


def accept(image: Image, mask: np.ndarray, *, labeller, reviewer) -> None:
    annotation_import_accepted(image=image, mask=mask, labeller=labeller, reviewer=reviewer)


def accept_all(cohort: dict, *, labeller, reviewer) -> None:
    for sop, image in cohort["images"].items():
        accept(image, cohort["labels"][sop], labeller=labeller, reviewer=reviewer)
