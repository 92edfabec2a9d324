"""The zip export: metrics (CSV and Parquet), masks as DICOM SEG and NIfTI, QA overlays, manifest.json."""

import hashlib
import json
import platform
import tempfile
import zipfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np
import pydicom
from django.utils import timezone

from segmentation.checkpoint import code_version
from segmentation.composition import IMAT_HU, MARTIN_2013, MUSCLE_HU, PRADO_2008
from studies import storage

from . import selectors
from .columns import columns_for
from .mask_files import MaskSource, nifti_bytes, overlay_png, seg_bytes
from .writers import write_csv, write_parquet

SELECTION_RULE = (
    "unit=subject (default): one row per subject and study, the chosen measurement of its series' L3 slice "
    "(level_source says where that slice came from); unit=image: one row per measured image. Eligible: "
    "measurements of an accepted annotation's current revision, and model versions' "
    "predictions, narrowed by the source and model_version filters. Per image the accepted "
    "annotation is chosen, else the newest model measurement; flag filters then apply to the chosen one."
)
PACKAGES = ("Django", "numpy", "pydicom", "highdicom", "nibabel", "pyarrow", "pillow")


def software_versions() -> dict:
    versions = {"muscleseed": code_version(), "python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


class _Archive:
    """A zip being written, remembering each member's size and sha256 for the manifest."""

    def __init__(self, path: Path):
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self.files: list[dict] = []

    def add(self, name: str, content: bytes, *, compress: bool = True) -> str:
        kind = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        self.zip.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content, compress_type=kind)
        self.files.append({"path": name, "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()})
        return name


def _image_files(archive: _Archive, row: dict, image, software: str) -> dict:
    """The three mask files of one row; each entry None where it cannot be made (and why)."""
    stem = f"{row['pseudonym']}_image{row['image_id']}"
    entry = {"image_id": row["image_id"], "pseudonym": row["pseudonym"], "source": row["source"]}
    mask = selectors.measurement_mask(row=row)
    if mask is None:
        return {**entry, "seg": None, "nifti": None, "overlay": None, "note": "mask not found"}
    with storage.open_read(image.dicom_path) as stream:
        source_image = pydicom.dcmread(stream, stop_before_pixels=True)
    # Masks live in the standard view; SEG and NIfTI refer to the stored DICOM, so they get its grid back.
    reorientation = image.reorientation
    dicom_mask = reorientation.from_standard(mask)
    dicom_spacing = reorientation.spacing_from_standard(image.pixel_spacing_mm)
    source = MaskSource(row["source"], row["model_version"] or "", row["model_checksum"] or "")
    seg = seg_bytes(source_image, dicom_mask, source=source, software=software)
    nifti = nifti_bytes(dicom_mask, source_image, dicom_spacing)
    hu = np.asarray(storage.hu_load(image.hu_path))
    return {
        **entry,
        "seg": archive.add(f"seg/{stem}.dcm", seg) if seg else None,
        "nifti": archive.add(f"nifti/{stem}.nii.gz", nifti, compress=False),
        "overlay": archive.add(f"overlays/{stem}.png", overlay_png(hu, mask), compress=False),
        **({} if seg else {"note": "empty mask: no DICOM SEG"}),
    }


def _metrics(archive: _Archive, rows: list[dict], columns) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, write in (("metrics.csv", write_csv), ("metrics.parquet", write_parquet)):
            path = Path(folder) / name
            write(rows, path, columns)
            archive.add(name, path.read_bytes())


def bundle_write(rows: list[dict], path: Path, *, export, report: Callable[[float], None]) -> None:
    """Write the zip; `report(fraction)` is called as images are done (it may raise to cancel)."""
    versions = software_versions()
    software = f"muscleseed {versions['muscleseed']}"
    images = selectors.images_for_files(image_ids=[row["image_id"] for row in rows])
    archive = _Archive(path)
    with archive.zip:
        _metrics(archive, rows, columns_for(export.filters))
        entries = []
        for index, row in enumerate(rows, start=1):
            entries.append(_image_files(archive, row, images[row["image_id"]], software))
            if index % 10 == 0 or index == len(rows):
                report(index / max(1, len(rows)))
        manifest = _manifest(rows, export=export, files=list(archive.files), images=entries, versions=versions)
        archive.add("manifest.json", manifest)


def _manifest(rows, *, export, files, images, versions) -> bytes:
    columns = columns_for(export.filters)
    models = {(row["model_version"], row["model_checksum"]) for row in rows if row["model_version"]}
    content = {
        "export_id": export.pk,
        "created_at": timezone.now().isoformat(),
        "exported_by": export.created_by.username if export.created_by else None,
        "filter": export.filters,
        "row_count": len(rows),
        "selection_rule": SELECTION_RULE,
        "label_values": {"0": "background", "1": "skeletal muscle", "2": "liver"},
        "thresholds": {"muscle_hu": list(MUSCLE_HU), "imat_hu": list(IMAT_HU)},
        "references": [PRADO_2008, MARTIN_2013],
        "models": [{"name": name, "checksum": checksum} for name, checksum in sorted(models)],
        "software": versions,
        "columns": [{"name": c.name, "type": c.kind, "description": c.description} for c in columns],
        "files": files,
        "images": images,
    }
    return json.dumps(content, indent=1, default=str).encode()
