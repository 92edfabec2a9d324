"""Mask files without the database: a phantom slice's DICOM and its exact labels."""

import io

import numpy as np
import pydicom
import pytest
from PIL import Image as PILImage

from cohorts.mask_files import MaskSource, nifti_bytes, nifti_read_mask, overlay_png, seg_bytes, seg_read_mask
from segmentation.cohort import write_cohort


@pytest.fixture(scope="module")
def slice_and_labels(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phantom")
    manifest = write_cohort(folder, subjects=[3], devices=("B",), level="liver", matrix=64)
    entry = manifest["images"][0]
    source = pydicom.dcmread(folder / entry["path"])
    return source, np.load(folder / "labels.npz")[entry["sop_instance_uid"]]


def test_a_seg_of_muscle_and_liver_reads_back_as_the_same_label_map(slice_and_labels):
    source, labels = slice_and_labels
    assert set(np.unique(labels)) == {0, 1, 2}
    seg = seg_bytes(source, labels, source=MaskSource("model", "vnet-b-2", "ab" * 32), software="test")
    assert np.array_equal(seg_read_mask(seg, source.SOPInstanceUID), labels)


def test_a_liver_only_mask_keeps_its_label_value(slice_and_labels):
    source, labels = slice_and_labels
    liver_only = np.where(labels == 2, 2, 0).astype(np.uint8)
    seg = seg_bytes(source, liver_only, source=MaskSource("annotation"), software="test")
    assert np.array_equal(seg_read_mask(seg, source.SOPInstanceUID), liver_only)


def test_an_empty_mask_gives_no_seg(slice_and_labels):
    source, labels = slice_and_labels
    assert seg_bytes(source, np.zeros_like(labels), source=MaskSource("annotation"), software="test") is None


def test_nifti_round_trips_the_mask_with_the_pixel_spacing_and_position(slice_and_labels):
    source, labels = slice_and_labels
    spacing = tuple(float(v) for v in source.PixelSpacing)
    mask, affine = nifti_read_mask(nifti_bytes(labels, source, spacing))
    assert np.array_equal(mask, labels) and mask.dtype == np.uint8
    position = [float(v) for v in source.ImagePositionPatient]
    assert np.allclose(affine[:3, 3], [-position[0], -position[1], position[2]])  # LPS -> RAS
    assert np.allclose(np.abs(np.diag(affine)[:2]), [spacing[1], spacing[0]])


def test_the_overlay_is_grey_outside_the_mask(slice_and_labels):
    source, labels = slice_and_labels
    hu = source.pixel_array * float(source.RescaleSlope) + float(source.RescaleIntercept)
    overlay = np.asarray(PILImage.open(io.BytesIO(overlay_png(hu, labels))))
    outside = overlay[labels == 0]
    assert (outside[:, 0] == outside[:, 1]).all() and (outside[:, 1] == outside[:, 2]).all()
    liver = overlay[labels == 2].astype(int)
    assert (liver[:, 2] > liver[:, 0]).mean() > 0.95  # liver tinted blue


def test_a_seg_gives_an_age_over_89_as_90_and_the_study_date_as_its_year(slice_and_labels):
    source, labels = slice_and_labels
    stored = source.copy()
    stored.PatientAge, stored.StudyDate = "095Y", "20240115"  # as a file stored before ages were capped
    seg = pydicom.dcmread(io.BytesIO(seg_bytes(stored, labels, source=MaskSource("annotation"), software="test")))
    assert (seg.PatientAge, seg.StudyDate) == ("090Y", "20240101")
    assert stored.PatientAge == "095Y"  # the caller's dataset is left as it was
