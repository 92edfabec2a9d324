"""De-identification by allowlist: a new dataset holding only what MuscleSeed needs.

Nothing is removed from the uploaded dataset; instead a fresh one is built from a short list of attributes,
so anything unforeseen (private tags, free text, sequences, overlays, curves) is left behind by default.
Choices, for reviewers:
- StudyDate keeps only the year (written as YYYY0101): cohorts filter by year; other dates and all times
  are dropped. LongitudinalTemporalInformationModified says so.
- PatientAge is written from the parsed age (from PatientAge, or BirthDate and StudyDate), ages over 89 as
  090Y (90 or over: HIPAA Safe Harbor groups them), as the database does; the birth date itself never
  leaves. PatientSize and PatientWeight are kept (SMI and BMI need them).
- Study, series, SOP instance and frame-of-reference UIDs are remapped with remap_uid (keyed HMAC), so one
  upload's images stay linked and a re-upload maps to the same UIDs.
- Pixel data are stored as what the pixels are: the decoded stored values, written uncompressed (Explicit VR
  Little Endian) at exactly Rows x Columns x BitsAllocated/8. Compressed streams can carry text the
  allowlist never sees (JPEG COM and APPn segments, JPEG 2000 comments, bytes after the end of image) and
  native pixel data can run on past the last pixel; re-encoding leaves all of it behind. The decoded values
  are the ones read_ct measured, so the stored file and the HU array agree exactly (lossy history stays in
  LossyImageCompression). Files with burned-in annotation are refused earlier, by read_ct.
"""

import copy
import io
import uuid

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

from .identity import remap_uid
from .parsed import ParsedCT

DEIDENTIFICATION_METHOD: tuple[str, ...] = (
    "MuscleSeed allowlist v1",
    "UIDs remapped (HMAC-SHA256)",
    "private tags removed",
    "dates reduced to year",
    "pixel data re-encoded uncompressed",
)
MAX_AGE_YEARS = 90  # older ages are identifying: stored, shown and exported as 90 (meaning 90 or over)
IMPLEMENTATION_CLASS_UID = "2.25." + str(uuid.uuid5(uuid.NAMESPACE_DNS, "dicom.muscleseed.invalid").int)
IMPLEMENTATION_VERSION_NAME = "MUSCLESEED_1"

# Copied verbatim when present in the upload.
COPIED_KEYWORDS: tuple[str, ...] = (
    # image pixel module and its rescale
    "SamplesPerPixel", "PhotometricInterpretation", "Rows", "Columns", "BitsAllocated", "BitsStored",
    "HighBit", "PixelRepresentation", "PixelPaddingValue", "PixelPaddingRangeLimit", "NumberOfFrames",
    "RescaleIntercept", "RescaleSlope", "RescaleType", "WindowCenter", "WindowWidth",
    "LossyImageCompression", "LossyImageCompressionRatio", "LossyImageCompressionMethod",
    # geometry
    "ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "SliceThickness",
    "SpacingBetweenSlices", "SliceLocation", "PatientPosition", "InstanceNumber", "SeriesNumber",
    "AcquisitionNumber",
    # what kind of image, and from which device and protocol
    "Modality", "ImageType", "BodyPartExamined", "Manufacturer", "ManufacturerModelName",
    "ConvolutionKernel", "KVP", "XRayTubeCurrent", "ExposureTime", "Exposure", "CTDIvol",
    "ReconstructionDiameter", "GantryDetectorTilt",
)  # fmt: skip
# Written by deidentify itself.
WRITTEN_KEYWORDS: tuple[str, ...] = (
    "SpecificCharacterSet", "SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID",
    "FrameOfReferenceUID", "PositionReferenceIndicator", "StudyDate", "StudyTime", "StudyID",
    "AccessionNumber", "ReferringPhysicianName", "PatientName", "PatientID", "PatientBirthDate",
    "PatientSex", "PatientAge", "PatientSize", "PatientWeight", "PatientIdentityRemoved",
    "DeidentificationMethod", "DeidentificationMethodCodeSequence",
    "LongitudinalTemporalInformationModified", "PixelData",
    # inside DeidentificationMethodCodeSequence items
    "CodeValue", "CodingSchemeDesignator", "CodeMeaning",
)  # fmt: skip
ALLOWED_KEYWORDS: frozenset[str] = frozenset(COPIED_KEYWORDS + WRITTEN_KEYWORDS)

# Type 2 attributes of the CT Image IOD that carry identity: present (so the file stays valid) but empty.
_EMPTY_TYPE2 = ("StudyTime", "StudyID", "AccessionNumber", "ReferringPhysicianName", "PatientBirthDate",
                "PositionReferenceIndicator")  # fmt: skip
_METHOD_CODES = (  # PS3.16 CID 7050 de-identification methods
    ("113100", "Basic Application Confidentiality Profile"),
    ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"),
    ("113108", "Retain Patient Characteristics Option"),
)


def deidentify(parsed: ParsedCT, salt: bytes, pseudonym: str) -> bytes:
    """The de-identified DICOM file (preamble zeroed) for one parsed slice."""
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    _copy_allowed(parsed.dataset, ds)
    _write_uids(ds, parsed, salt)
    _write_patient(ds, parsed, pseudonym)
    _write_study(ds, parsed)
    _write_pixels(ds, parsed)
    _stamp(ds)
    return _to_bytes(ds, _file_meta(parsed, ds.SOPInstanceUID))


def _copy_allowed(source: Dataset, target: Dataset) -> None:
    for keyword in COPIED_KEYWORDS:
        if keyword in source:
            # shallow: none is a sequence, and deidentify gives the copies new values, never changes one in place
            target.add(copy.copy(source.data_element(keyword)))


def _write_uids(ds: Dataset, parsed: ParsedCT, salt: bytes) -> None:
    ds.SOPClassUID = parsed.sop_class_uid
    ds.SOPInstanceUID = remap_uid(parsed.sop_instance_uid, salt)
    ds.StudyInstanceUID = remap_uid(parsed.study_instance_uid, salt)
    ds.SeriesInstanceUID = remap_uid(parsed.series_instance_uid, salt)
    # A CT image needs a frame of reference; one per series stands in when the file has none.
    frame = parsed.frame_of_reference_uid or f"frame-of-reference:{parsed.series_instance_uid}"
    ds.FrameOfReferenceUID = remap_uid(frame, salt)


def _write_patient(ds: Dataset, parsed: ParsedCT, pseudonym: str) -> None:
    ds.PatientName = pseudonym
    ds.PatientID = pseudonym
    ds.PatientSex = parsed.patient_sex
    if parsed.patient_age_years is not None:
        ds.PatientAge = f"{min(parsed.patient_age_years, MAX_AGE_YEARS):03d}Y"  # 090Y stands for 90 or over
    if parsed.patient_height_m is not None:
        ds.PatientSize = f"{parsed.patient_height_m:.3f}"
    if parsed.patient_weight_kg is not None:
        ds.PatientWeight = f"{parsed.patient_weight_kg:.2f}"


def _write_study(ds: Dataset, parsed: ParsedCT) -> None:
    ds.StudyDate = f"{parsed.study_date.year:04d}0101" if parsed.study_date else ""
    for keyword in _EMPTY_TYPE2:
        setattr(ds, keyword, "")


def _write_pixels(ds: Dataset, parsed: ParsedCT) -> None:
    """Only the decoded pixels: nothing a compressed stream or an over-long native value carried besides."""
    stored = np.ascontiguousarray(parsed.dataset.pixel_array)  # cached by pydicom since read_ct decoded it
    bits = stored.dtype.itemsize * 8
    ds.BitsAllocated = bits
    ds.BitsStored = min(int(ds.get("BitsStored") or bits), bits)
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if stored.dtype.kind == "i" else 0
    data = stored.astype(stored.dtype.newbyteorder("<")).tobytes()
    ds.add_new("PixelData", "OB" if bits == 8 else "OW", data + b"\0" * (len(data) % 2))


def _stamp(ds: Dataset) -> None:
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = list(DEIDENTIFICATION_METHOD)
    ds.DeidentificationMethodCodeSequence = Sequence([_code(value, meaning) for value, meaning in _METHOD_CODES])
    ds.LongitudinalTemporalInformationModified = "MODIFIED"


def _code(value: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, "DCM", meaning
    return item


def _file_meta(parsed: ParsedCT, sop_instance_uid: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = parsed.sop_class_uid
    meta.MediaStorageSOPInstanceUID = sop_instance_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian  # pixels are re-encoded uncompressed (_write_pixels)
    meta.ImplementationClassUID = IMPLEMENTATION_CLASS_UID
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    return meta


def _to_bytes(ds: Dataset, meta: FileMetaDataset) -> bytes:
    output = FileDataset("", ds, file_meta=meta, preamble=bytes(128))
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, output, enforce_file_format=True)
    return buffer.getvalue()
