"""ParsedCT, and reading its fields out of a validated dataset."""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from segmentation.orientation import IDENTITY, Reorientation

from .demographics import age_between, parse_age, parse_da, parse_height_m, parse_sex, parse_weight_kg
from .devices import normalise_device
from .identity import derived_uid

# PatientID values that name nobody; keying subjects by them would merge different patients.
_PLACEHOLDER_IDS = frozenset({"anonymous", "anon", "anonymized", "unknown", "none", "null", "n/a", "na", "-"})


@dataclass(frozen=True, eq=False)
class ParsedCT:
    """One validated CT slice. ``dataset`` is still identified: never store it, only ``deidentify`` it."""

    dataset: Dataset
    hu: np.ndarray  # int16, rows x cols, rescale applied
    rows: int
    cols: int
    pixel_spacing_mm: tuple[float, float]  # (row spacing, column spacing)
    slice_thickness_mm: float | None
    slice_location: float | None  # ImagePositionPatient z, else SliceLocation
    instance_number: int | None
    sop_instance_uid: str
    series_instance_uid: str
    study_instance_uid: str
    study_date: date | None
    manufacturer: str
    model_name: str
    device_key: str
    kernel: str
    kvp: float | None
    patient_key: str  # raw PatientID (+ issuer): only for deriving a pseudonym, never stored
    patient_sex: str  # 'M', 'F' or ''
    patient_age_years: int | None
    patient_height_m: float | None
    patient_weight_kg: float | None
    series_description: str  # free text from the identified file: may name people
    transfer_syntax: str  # name, e.g. 'JPEG 2000 Image Compression (Lossless Only)'
    # Beyond the agreed interface:
    transfer_syntax_uid: str = ""
    sop_class_uid: str = ""
    frame_of_reference_uid: str = ""
    device_display: str = ""
    image_type: tuple[str, ...] = ()
    image_position_mm: tuple[float, float, float] | None = None
    image_orientation: tuple[float, ...] | None = None
    rescale_slope: float = 1.0
    rescale_intercept: float = 0.0
    body_part: str = ""
    derived_uids: tuple[str, ...] = ()  # which of 'sop', 'study', 'series' the file lacked
    # hu, rows, cols and pixel_spacing_mm describe the file's own grid; this maps it to the standard view
    reorientation: Reorientation = IDENTITY

    def standard_view(self) -> tuple[np.ndarray, tuple[float, float]]:
        """(HU, (row, column) spacing) in the standard radiological view: what MuscleSeed stores and shows."""
        return self.reorientation.to_standard(self.hu), self.reorientation.spacing_to_standard(self.pixel_spacing_mm)

    @property
    def subject_key(self) -> str:
        """What to pass to ``pseudonym_for``: the patient key, else the study (one subject per study)."""
        return self.patient_key or f"study:{self.study_instance_uid}"


def text(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword)
    if value is None:
        return ""
    if isinstance(value, MultiValue | list | tuple):
        return "\\".join(str(part).strip() for part in value)
    return str(value).strip()


def number(ds: Dataset, keyword: str) -> float | None:
    try:
        value = float(ds.get(keyword))
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def numbers(ds: Dataset, keyword: str, count: int) -> tuple[float, ...] | None:
    value = ds.get(keyword)
    try:
        values = tuple(float(part) for part in value)
    except (TypeError, ValueError):
        return None
    ok = len(values) == count and all(math.isfinite(v) for v in values)
    return values if ok else None


def patient_key(ds: Dataset) -> str:
    patient_id = text(ds, "PatientID")
    if patient_id.lower() in _PLACEHOLDER_IDS or not patient_id.strip("0 "):
        return ""
    issuer = text(ds, "IssuerOfPatientID")
    return f"{patient_id}^{issuer}" if issuer else patient_id


def resolve_uids(ds: Dataset, data_digest: Callable[[], str]) -> tuple[str, str, str, tuple[str, ...]]:
    """(sop, series, study) instance UIDs; stand-ins derived from other headers where the file has none
    (the SOP instance's from the file's digest, hashed only then)."""
    derived: list[str] = []
    meta = getattr(ds, "file_meta", Dataset())
    sop = text(ds, "SOPInstanceUID") or text(meta, "MediaStorageSOPInstanceUID")
    if not sop:
        sop = derived_uid("sop", [data_digest()])
        derived.append("sop")
    study = text(ds, "StudyInstanceUID")
    if not study:
        study = derived_uid("study", _study_parts(ds, sop))
        derived.append("study")
    series = text(ds, "SeriesInstanceUID")
    if not series:
        series = derived_uid("series", _series_parts(ds, study))
        derived.append("series")
    return sop, series, study, tuple(derived)


def _study_parts(ds: Dataset, sop: str) -> list[str]:
    keywords = ("PatientID", "IssuerOfPatientID", "StudyDate", "StudyTime", "AccessionNumber", "StudyID")
    parts = [text(ds, kw) for kw in keywords] + [text(ds, "FrameOfReferenceUID")]
    if not (patient_key(ds) or text(ds, "AccessionNumber") or text(ds, "FrameOfReferenceUID")):
        parts.append(sop)  # nothing ties this image to others: better one study per image than a merge
    return parts


def _series_parts(ds: Dataset, study: str) -> list[str]:
    keywords = ("SeriesNumber", "SeriesDescription", "SeriesDate", "SeriesTime", "FrameOfReferenceUID")
    return [study] + [text(ds, kw) for kw in keywords]


def study_date(ds: Dataset) -> date | None:
    for keyword in ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate"):
        if found := parse_da(ds.get(keyword)):
            return found
    return None


def demographics(ds: Dataset, on: date | None) -> dict[str, object]:
    age = parse_age(ds.get("PatientAge"))
    if age is None:
        age = age_between(parse_da(ds.get("PatientBirthDate")), on)
    return {
        "patient_sex": parse_sex(ds.get("PatientSex")),
        "patient_age_years": age,
        "patient_height_m": parse_height_m(ds.get("PatientSize")),
        "patient_weight_kg": parse_weight_kg(ds.get("PatientWeight")),
    }


def device(ds: Dataset) -> dict[str, str]:
    manufacturer, model = text(ds, "Manufacturer"), text(ds, "ManufacturerModelName")
    key, display = normalise_device(manufacturer, model)
    return {"manufacturer": manufacturer, "model_name": model, "device_key": key, "device_display": display}


def slice_location(ds: Dataset, position: tuple[float, ...] | None) -> float | None:
    return position[2] if position is not None else number(ds, "SliceLocation")


_IS_RANGE = (-(2**31), 2**31 - 1)  # PS3.5: an IS value is a signed 32-bit integer


def instance_number(ds: Dataset) -> int | None:
    """InstanceNumber, or None when absent or outside IS's range (it is only used to sort slices)."""
    value = number(ds, "InstanceNumber")
    if value is None or not _IS_RANGE[0] <= value <= _IS_RANGE[1]:
        return None
    return int(value)
