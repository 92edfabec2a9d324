"""The zip: metrics, DICOM SEG that reads back as the same mask, NIfTI, QA overlays, and a manifest."""

import hashlib
import io
import json
import zipfile

import highdicom as hd
import numpy as np
import pydicom
from PIL import Image as PILImage

from cohorts.mask_files import nifti_read_mask, seg_read_mask
from studies import storage
from tests.cohorts.helpers import csv_rows, export_through_api


def source_mask(cohort, image_id: int) -> np.ndarray:
    if image_id in cohort.accepted:
        return next(cohort.labels[sop] for sop, image in cohort.images.items() if image.pk == image_id)
    return cohort.model_masks[image_id]


def bundle(cohort, client_for, capture, role="researcher") -> tuple[dict, zipfile.ZipFile]:
    status, content = export_through_api(client_for(role), capture, format="zip")
    return status, zipfile.ZipFile(io.BytesIO(content))


def test_the_manifest_lists_every_file_with_its_hash_the_filter_software_and_models(
    cohort, client_for, django_capture_on_commit_callbacks
):
    status, archive = bundle(cohort, client_for, django_capture_on_commit_callbacks)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["row_count"] == status["row_count"] == len(cohort.accepted) + len(cohort.model_only)
    assert manifest["filter"] == {"unit": "image"} and manifest["selection_rule"]
    assert {"highdicom", "nibabel", "pyarrow", "pydicom", "muscleseed"} <= set(manifest["software"])
    assert manifest["models"] == [{"name": "vnet-base-v1", "checksum": "c" * 64}]
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) | {"manifest.json"} == set(archive.namelist())
    for path, entry in listed.items():
        assert hashlib.sha256(archive.read(path)).hexdigest() == entry["sha256"]
    assert len(csv_rows(archive.read("metrics.csv"))) == manifest["row_count"]


def test_each_dicom_seg_reads_back_with_highdicom_as_the_same_mask(
    cohort, client_for, django_capture_on_commit_callbacks
):
    _, archive = bundle(cohort, client_for, django_capture_on_commit_callbacks)
    entries = json.loads(archive.read("manifest.json"))["images"]
    assert len(entries) == len(cohort.accepted) + len(cohort.model_only)
    for entry in entries:
        image = next(i for i in cohort.images.values() if i.pk == entry["image_id"])
        source = pydicom.dcmread(io.BytesIO(storage.read_bytes(image.dicom_path)), stop_before_pixels=True)
        seg = hd.seg.segread(io.BytesIO(archive.read(entry["seg"])))
        assert seg.get_source_image_uids()[0][2] == source.SOPInstanceUID == image.sop_uid
        assert seg.PatientID == source.PatientID and seg.StudyInstanceUID == source.StudyInstanceUID
        assert np.array_equal(seg_read_mask(archive.read(entry["seg"]), image.sop_uid), source_mask(cohort, image.pk))
        algorithm = seg.get_segment_description(1).algorithm_type.value
        assert algorithm == ("MANUAL" if entry["source"] == "annotation" else "AUTOMATIC")


def test_each_nifti_holds_the_mask_in_the_slices_geometry(cohort, client_for, django_capture_on_commit_callbacks):
    _, archive = bundle(cohort, client_for, django_capture_on_commit_callbacks)
    for entry in json.loads(archive.read("manifest.json"))["images"]:
        image = next(i for i in cohort.images.values() if i.pk == entry["image_id"])
        mask, affine = nifti_read_mask(archive.read(entry["nifti"]))
        assert np.array_equal(mask, source_mask(cohort, image.pk))
        assert np.allclose(np.abs(np.diag(affine))[:2], [image.spacing_col_mm, image.spacing_row_mm])


def test_each_overlay_is_the_slice_with_muscle_tinted_red(cohort, client_for, django_capture_on_commit_callbacks):
    _, archive = bundle(cohort, client_for, django_capture_on_commit_callbacks)
    entry = json.loads(archive.read("manifest.json"))["images"][0]
    overlay = np.asarray(PILImage.open(io.BytesIO(archive.read(entry["overlay"]))))
    mask = source_mask(cohort, entry["image_id"])
    assert overlay.shape == (*mask.shape, 3)
    muscle = overlay[mask == 1].astype(int)
    assert (muscle[:, 0] > muscle[:, 2]).mean() > 0.95
    background = overlay[mask == 0]
    assert (background[:, 0] == background[:, 1]).all()  # untouched pixels stay grey
