"""A small phantom cohort in the database: ingested through the real path, with accepted ground truth."""

from pathlib import Path

import numpy as np

from annotations.services import annotation_import_accepted
from modelhub.services.phantom_cohort import phantom_cohort_ingest, phantom_cohort_write, phantom_labels
from studies.models import Image

TINY = {"epochs": 2, "steps_per_epoch": 4, "image_size": 64, "net_kwargs": {"width": 4}, "replay": False}


def tiny_checkpoint(path: Path, arch: str = "unet") -> Path:
    """A checkpoint trained for one step on two small phantom slices: a model to run, not to trust."""
    from segmentation.cohort import phantom_samples
    from segmentation.train import TrainConfig, train

    config = TrainConfig(arch=arch, epochs=1, steps_per_epoch=1, augment=False, net_kwargs={"width": 4})
    train(phantom_samples("A", range(2), matrix=64), path, config)
    return path


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
    options = {"subjects": subjects, "devices": devices, "matrix": matrix, "first_seed": first_seed, "level": level}
    manifest = phantom_cohort_write(folder, **options)
    images = phantom_cohort_ingest(folder, manifest, user=user)
    return {"manifest": manifest, "labels": phantom_labels(folder), "images": images}


def accept(image: Image, mask: np.ndarray, *, labeller, reviewer) -> None:
    annotation_import_accepted(image=image, mask=mask, labeller=labeller, reviewer=reviewer)


def accept_all(cohort: dict, *, labeller, reviewer) -> None:
    for sop, image in cohort["images"].items():
        accept(image, cohort["labels"][sop], labeller=labeller, reviewer=reviewer)
