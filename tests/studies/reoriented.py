"""Copies of a real CT slice stored in another in-plane orientation, with geometry a scanner would write.

Each copy holds the same anatomy at the same patient coordinates: its pixels are the original's rows or
columns reversed (or transposed), and ImageOrientationPatient, ImagePositionPatient, PixelSpacing, Rows and
Columns are rewritten to match, so the copy is as valid a DICOM file as the original.
"""

import io
import math
from pathlib import Path

import numpy as np
import pydicom
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

L1_L2 = Path("single-slices") / "abdomen-l1-l2-explicit-vr-un.dcm"  # stored with IOP 1,0,0,0,-1,0
SAGITTAL = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)
TILT_DEGREES = 5.0
OBLIQUE = (1.0, 0.0, 0.0, 0.0, math.cos(math.radians(TILT_DEGREES)), -math.sin(math.radians(TILT_DEGREES)))


def _geometry(ds) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[float]]:
    cosines = np.array([float(v) for v in ds.ImageOrientationPatient])
    position = np.array([float(v) for v in ds.ImagePositionPatient])
    return cosines[:3], cosines[3:], position, [float(v) for v in ds.PixelSpacing]


def _reoriented(ds, step: str) -> tuple[np.ndarray, list]:
    """One step applied to the stored pixels; the header is updated in place to describe the result."""
    pixels = ds.pixel_array
    row_cosine, col_cosine, position, (row_mm, col_mm) = _geometry(ds)
    if step == "flip_rows":  # the last row becomes the first
        pixels, position = pixels[::-1], position + (ds.Rows - 1) * row_mm * col_cosine
        col_cosine = -col_cosine
    elif step == "flip_cols":
        pixels, position = pixels[:, ::-1], position + (ds.Columns - 1) * col_mm * row_cosine
        row_cosine = -row_cosine
    elif step == "transpose":
        pixels, (row_cosine, col_cosine), (row_mm, col_mm) = pixels.T, (col_cosine, row_cosine), (col_mm, row_mm)
    ds.ImagePositionPatient = [f"{v:.6g}" for v in position]
    ds.PixelSpacing = [f"{row_mm:.6g}", f"{col_mm:.6g}"]
    return pixels, [*row_cosine, *col_cosine]


def copy_bytes(original: Path, step: str | None, orientation: tuple[float, ...] | None = None) -> bytes:
    """The original's bytes re-stored uncompressed under new UIDs: reoriented by `step`, or with the given
    (possibly non-axial) orientation written over the original pixels."""
    ds = pydicom.dcmread(original)
    pixels, cosines = ds.pixel_array, [float(v) for v in ds.ImageOrientationPatient]
    if step is not None:
        pixels, cosines = _reoriented(ds, step)
    ds.ImageOrientationPatient = [f"{v:.6g}" for v in (orientation or cosines)]
    ds.Rows, ds.Columns = pixels.shape
    ds.PixelData = np.ascontiguousarray(pixels).tobytes()
    ds["PixelData"].VR = "OW"
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()
