"""A phantom cohort in the database: synthetic DICOM written by the engine and ingested through the real upload
path, with its exact labels at hand to accept as ground truth. The demo, the benchmarks and the tests use it."""

import json
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from segmentation.cohort import write_cohort
from studies.dicomio import remap_uid
from studies.models import Image
from studies.services import upload_ingest

UPLOAD_BATCH = 20  # files per upload_ingest call, as a browser batch would send them


def phantom_cohort_write(folder: Path, **options) -> dict:
    """Write the cohort once (options as segmentation.cohort.write_cohort); its manifest."""
    if not (folder / "labels.npz").exists():
        write_cohort(folder, **options)
    return json.loads((folder / "manifest.json").read_text())


def phantom_cohort_ingest(folder: Path, manifest: dict, *, user) -> dict[str, Image]:
    """Upload every file of the manifest; the stored image of each original SOP Instance UID."""
    entries = manifest["images"]
    for start in range(0, len(entries), UPLOAD_BATCH):
        files = [
            SimpleUploadedFile(Path(e["path"]).name, (folder / e["path"]).read_bytes())
            for e in entries[start : start + UPLOAD_BATCH]
        ]
        upload_ingest(files=files, user=user)
    return {e["sop_instance_uid"]: image for e in entries if (image := phantom_image(e["sop_instance_uid"]))}


def phantom_image(sop_instance_uid: str) -> Image | None:
    """The stored image of a phantom file, found by its de-identified SOP Instance UID."""
    return Image.objects.filter(sop_uid=remap_uid(sop_instance_uid, settings.MUSCLESEED_DEID_SALT.encode())).first()


def phantom_labels(folder: Path) -> dict[str, np.ndarray]:
    return dict(np.load(folder / "labels.npz"))
