"""Write and read phantom cohorts: DICOM files plus exact label maps and a manifest."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import LABEL_NAMES
from .dicom_io import read_hu, write_dicom
from .phantom import make_slice

MANIFEST = "manifest.json"
LABELS = "labels.npz"


@dataclass(frozen=True)
class Sample:
    """One labelled image in memory: what training and evaluation consume."""

    hu: np.ndarray
    labels: np.ndarray
    spacing_mm: tuple[float, float]
    device: str = ""
    subject_id: str = ""
    # the labels this image's mask was drawn for (None: every label); elsewhere a label's pixels may be
    # unmarked, so training does not read "background" there as "not this label" (train.PartialDiceCELoss)
    annotated: tuple[str, ...] | None = None


def write_cohort(
    folder: str | Path,
    subjects: int | Sequence[int],
    devices: Iterable[str] = ("A", "B", "C", "D"),
    *,
    level: str = "L3",
    matrix: int | None = None,
    first_seed: int = 0,
) -> dict:
    """Write `subjects` x `devices` DICOM files under folder/<device>/<subject>.dcm.

    labels.npz holds the exact label map of every file under its SOPInstanceUID; manifest.json lists
    each file with its device, subject attributes, split and label key. Returns the manifest.
    """
    folder = Path(folder)
    seeds = range(first_seed, first_seed + subjects) if isinstance(subjects, int) else subjects
    entries, labels = [], {}
    for key in devices:
        for seed in seeds:
            image = make_slice(seed, key, level, matrix)
            relative = Path(key) / f"{image.subject.subject_id}_{level}.dcm"
            sop_uid = write_dicom(image, folder / relative)
            labels[sop_uid] = image.labels
            entries.append(_entry(relative, sop_uid, image))
    manifest = {"label_names": list(LABEL_NAMES), "level": level, "images": entries}
    np.savez_compressed(folder / LABELS, **labels)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def _entry(relative: Path, sop_uid: str, image) -> dict:
    return {
        "path": relative.as_posix(),
        "sop_instance_uid": sop_uid,
        "device": image.device.key,
        "manufacturer": image.device.manufacturer,
        "model": image.device.model,
        "split": "test" if image.seed % 5 == 4 else "train",
        "subject": asdict(image.subject),
        "seed": image.seed,
    }


def read_cohort(folder: str | Path, device: str | None = None, split: str | None = None) -> list[Sample]:
    """Load a written cohort back as Samples (HU from the DICOM files, labels from labels.npz)."""
    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    with np.load(folder / LABELS) as labels:
        return [
            _sample(folder, e, labels)
            for e in manifest["images"]
            if (device is None or e["device"] == device) and (split is None or e["split"] == split)
        ]


def _sample(folder: Path, entry: dict, labels) -> Sample:
    hu, spacing, _ = read_hu(folder / entry["path"])
    return Sample(
        hu=hu,
        labels=labels[entry["sop_instance_uid"]],
        spacing_mm=spacing,
        device=entry["device"],
        subject_id=entry["subject"]["subject_id"],
    )


def phantom_samples(device: str, seeds: Iterable[int], *, level: str = "L3", matrix: int | None = None) -> list[Sample]:
    """Samples straight from the generator, without writing files (benchmarks, tests)."""
    samples = []
    for seed in seeds:
        image = make_slice(seed, device, level, matrix)
        samples.append(Sample(image.hu, image.labels, image.spacing_mm, device, image.subject.subject_id))
    return samples
