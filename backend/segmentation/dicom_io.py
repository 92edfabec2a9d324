"""Write phantom slices as real DICOM CT images, and read HU back from CT DICOM files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from . import __version__
from .orientation import OrientationError, reorientation_for
from .phantom import PhantomSlice

STUDY_DATE = dt.date(2024, 1, 15)


class DicomInputError(ValueError):
    """A file that is not a usable CT image, with the reason."""


def _uid(*parts: object) -> str:
    return generate_uid(entropy_srcs=[str(p) for p in ("muscleseed", *parts)])


def _file_meta(sop_uid: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = _uid("implementation")
    return meta


def _patient(ds: Dataset, image: PhantomSlice) -> None:
    subject = image.subject
    ds.PatientName = subject.patient_name
    ds.PatientID = subject.subject_id
    ds.PatientBirthDate = subject.birth_date
    ds.PatientSex = subject.sex
    ds.PatientAge = f"{subject.age:03d}Y"
    ds.PatientSize = f"{subject.height_m:.2f}"
    ds.PatientWeight = f"{subject.weight_kg:.1f}"


def _equipment(ds: Dataset, image: PhantomSlice) -> None:
    profile = image.device
    ds.Modality = "CT"
    ds.Manufacturer = profile.manufacturer
    ds.ManufacturerModelName = profile.model
    ds.ConvolutionKernel = profile.kernel
    ds.KVP = f"{profile.kvp:g}"
    ds.SliceThickness = f"{profile.slice_thickness_mm:g}"
    ds.SoftwareVersions = f"muscleseed-phantom {__version__}"
    ds.BodyPartExamined = "ABDOMEN"
    ds.ContrastBolusAgent = "IOHEXOL" if profile.contrast > 0 else ""


def _pixels(ds: Dataset, image: PhantomSlice) -> None:
    rows, cols = image.hu.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = rows, cols
    ds.PixelSpacing = [f"{image.spacing_mm[0]:.6g}", f"{image.spacing_mm[1]:.6g}"]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    z = -180.0 if image.level == "L3" else -60.0
    ds.ImagePositionPatient = [
        f"{-(cols - 1) / 2 * image.spacing_mm[1]:.4f}",
        f"{-(rows - 1) / 2 * image.spacing_mm[0]:.4f}",
        f"{z:.1f}",
    ]
    ds.SliceLocation = f"{z:.1f}"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    ds.WindowCenter, ds.WindowWidth = "40", "400"
    if image.device.signed_storage:
        ds.PixelRepresentation, ds.RescaleIntercept = 1, "0"
        stored = image.hu.astype(np.int16)
    else:
        ds.PixelRepresentation, ds.RescaleIntercept = 0, "-1024"
        stored = (image.hu.astype(np.int32) + 1024).clip(0, 65535).astype(np.uint16)
    ds.PixelData = stored.tobytes()


def slice_uids(image: PhantomSlice) -> tuple[str, str, str]:
    """(study, series, SOP instance) UIDs, deterministic from the seed, device and level."""
    key = (image.seed, image.device.key, image.level, image.device.matrix)
    return _uid("study", image.seed), _uid("series", *key), _uid("sop", *key)


def write_dicom(image: PhantomSlice, path: str | Path) -> str:
    """Write one slice as a CT Image Storage file; returns its SOPInstanceUID."""
    study_uid, series_uid, sop_uid = slice_uids(image)
    ds = FileDataset(str(path), {}, file_meta=_file_meta(sop_uid), preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, sop_uid
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
    ds.FrameOfReferenceUID = _uid("frame", image.seed)
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = STUDY_DATE.strftime("%Y%m%d")
    ds.StudyTime = ds.SeriesTime = "101500"
    ds.AccessionNumber = f"ACC{image.seed:06d}"
    ds.StudyDescription = "CT ABDOMEN (MUSCLESEED PHANTOM)"
    ds.SeriesDescription = f"AXIAL {image.level} {image.device.kernel}"
    ds.SeriesNumber, ds.InstanceNumber = 2, 1
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    _patient(ds, image)
    _equipment(ds, image)
    _pixels(ds, image)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(str(path), enforce_file_format=True)
    return sop_uid


def read_hu(path: str | Path) -> tuple[np.ndarray, tuple[float, float], Dataset]:
    """HU (int16) and (row, column) spacing in mm in the standard view (orientation.py), and the dataset.

    The dataset's pixel grid may differ from the returned array's: map masks back with
    ``reorientation_for(ds.ImageOrientationPatient).from_standard``."""
    try:
        ds = pydicom.dcmread(str(path))
        pixels = ds.pixel_array
    except Exception as error:  # pydicom raises many types for broken files
        raise DicomInputError(f"{path}: not a readable DICOM image ({error})") from error
    if getattr(ds, "Modality", None) != "CT":
        raise DicomInputError(f"{path}: modality {getattr(ds, 'Modality', None)!r} is not CT")
    if "RescaleSlope" not in ds or "RescaleIntercept" not in ds or "PixelSpacing" not in ds:
        raise DicomInputError(f"{path}: missing RescaleSlope/RescaleIntercept/PixelSpacing")
    try:
        reorientation = reorientation_for(_orientation(ds))
    except OrientationError as error:
        raise DicomInputError(f"{path}: {error.reason}") from error
    hu = pixels.astype(np.float32) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    spacing = (float(ds.PixelSpacing[0]), float(ds.PixelSpacing[1]))
    hu = np.clip(np.rint(hu), -32768, 32767).astype(np.int16)
    return reorientation.to_standard(hu), reorientation.spacing_to_standard(spacing), ds


def _orientation(ds: Dataset) -> list | None:
    value = ds.get("ImageOrientationPatient")
    return None if value in (None, "") else list(value)
