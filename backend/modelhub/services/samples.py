"""Engine samples (HU, labels, spacing) from stored images and accepted annotations."""

import numpy as np

from annotations.selectors import accepted_revisions, revision_labels_annotated, revision_mask
from segmentation.cohort import Sample
from studies import storage
from studies.models import Device, Image


def image_sample(*, image: Image, labels: np.ndarray, annotated: tuple[str, ...] | None = None) -> Sample:
    """`annotated`: the labels the mask covers (None: all); training ignores the others on this image."""
    hu = np.asarray(storage.hu_load(image.hu_path))
    return Sample(hu=hu, labels=labels, spacing_mm=image.pixel_spacing_mm, device=image.device.key, annotated=annotated)


def accepted_samples(*, device: Device | None, split: str, limit: int | None = None) -> tuple[list[Sample], list[int]]:
    """Samples from accepted annotations (and their revision ids), oldest first for a stable order."""
    revisions = list(accepted_revisions(device=device, split=split))
    revisions.sort(key=lambda r: r.id)
    if limit is not None:
        revisions = revisions[:limit]
    samples = [
        image_sample(image=r.annotation.image, labels=revision_mask(r), annotated=revision_labels_annotated(r))
        for r in revisions
    ]
    return samples, [r.id for r in revisions]
