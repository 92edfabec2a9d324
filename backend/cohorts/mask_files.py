"""One measured slice's mask as DICOM SEG (highdicom), NIfTI (nibabel) and a QA overlay PNG. No Django here.

Label values follow the engine: 1 = skeletal muscle, 2 = liver.
"""

import copy
import gzip
import io
import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pydicom
from PIL import Image as PILImage

from studies.dicomio.deid import MAX_AGE_YEARS

# highdicom narrates every attribute it copies at INFO: a line per module per slice in the worker log.
logging.getLogger("highdicom").setLevel(logging.WARNING)

MUSCLE, LIVER = 1, 2
SOFT_TISSUE_WINDOW = (40.0, 400.0)  # level, width (HU)
OVERLAY_COLOURS = {MUSCLE: (229, 72, 77), LIVER: (62, 99, 221)}
OVERLAY_ALPHA = 0.45


@dataclass(frozen=True)
class MaskSource:
    """Where a mask came from, written into the SEG's segment descriptions."""

    kind: str  # annotation | model
    model_name: str = ""
    model_checksum: str = ""


def _segment_descriptions(present: list[int], source: MaskSource):
    import highdicom as hd
    from pydicom.sr.codedict import codes

    automatic = source.kind == "model"
    algorithm = (
        hd.AlgorithmIdentificationSequence(
            name=source.model_name[:64] or "model",
            family=codes.cid7162.ArtificialIntelligence,
            version=(source.model_checksum or "unknown")[:16],
        )
        if automatic
        else None
    )
    properties = {
        MUSCLE: ("Skeletal muscle", codes.SCT.Tissue, codes.SCT.SkeletalMuscle),
        LIVER: ("Liver", codes.SCT.Organ, codes.SCT.Liver),
    }
    return [
        hd.seg.SegmentDescription(
            segment_number=number,
            segment_label=properties[number][0],
            segmented_property_category=properties[number][1],
            segmented_property_type=properties[number][2],
            algorithm_type=hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC
            if automatic
            else hd.seg.SegmentAlgorithmTypeValues.MANUAL,
            algorithm_identification=algorithm,
        )
        for number in present
    ]


def seg_bytes(source_image: pydicom.Dataset, mask: np.ndarray, *, source: MaskSource, software: str) -> bytes | None:
    """A binary DICOM SEG of the muscle (and liver) in `mask`, referencing `source_image`; None if empty.

    Segment numbers equal the label values, so reading back gives the same label map."""
    present = [label for label in (MUSCLE, LIVER) if (mask == label).any()]
    if not present:
        return None
    described = list(range(1, max(present) + 1))  # SEG numbers segments from 1 without gaps; empty ones have no frame
    labelmap = np.where(np.isin(mask, described), mask, 0).astype(np.uint8)
    source_image = _with_type2_attributes(source_image)
    with warnings.catch_warnings():  # the pseudonym, copied as PatientName, is one component on purpose
        warnings.filterwarnings("ignore", message=".*unlikely to represent the intended person name")
        seg = _segmentation(source_image, labelmap, described, source, software)
    out = io.BytesIO()
    seg.save_as(out)
    return out.getvalue()


TYPE2_STUDY_ATTRIBUTES = ("StudyID", "AccessionNumber", "ReferringPhysicianName", "StudyDate", "StudyTime")
# Written where the slice has no SliceThickness (the NIfTI affine needs one too). A SEG's Pixel Measures must
# carry one, and highdicom (so any user) cannot read a SEG back without it: the real L1/L2 slice has none.
UNKNOWN_THICKNESS_MM = 1.0


def _with_type2_attributes(source_image: pydicom.Dataset) -> pydicom.Dataset:
    """highdicom copies the patient and study modules and needs their type-2 attributes; de-identification may
    have dropped some. A copy gets them empty, as DICOM allows, a nominal slice thickness where the scanner
    gave none, an age over 89 as 090Y and the study date as its year (files stored before either rule)."""
    completed = copy.deepcopy(source_image)
    for keyword in TYPE2_STUDY_ATTRIBUTES:
        if keyword not in completed:
            setattr(completed, keyword, "")
    if not completed.get("SliceThickness"):
        completed.SliceThickness = UNKNOWN_THICKNESS_MM
    age = str(completed.get("PatientAge") or "")
    if age.endswith("Y") and age[:-1].isdigit() and int(age[:-1]) > MAX_AGE_YEARS:
        completed.PatientAge = f"{MAX_AGE_YEARS:03d}Y"
    study_date = str(completed.get("StudyDate") or "")
    if len(study_date) >= 4 and study_date[:4].isdigit():
        completed.StudyDate = f"{study_date[:4]}0101"
    return completed


def _segmentation(source_image, labelmap: np.ndarray, present: list[int], source: MaskSource, software: str):
    import highdicom as hd

    return hd.seg.Segmentation(
        source_images=[source_image],
        pixel_array=labelmap[None],
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=_segment_descriptions(present, source),
        series_instance_uid=hd.UID(),
        series_number=900,
        sop_instance_uid=hd.UID(),
        instance_number=1,
        manufacturer="MuscleSeed",
        manufacturer_model_name="MuscleSeed cohort export",
        software_versions=software,
        device_serial_number="muscleseed",
        content_label="MUSCLE",
        content_description=f"Body composition ({source.kind})",
    )


def seg_read_mask(data: bytes, source_sop_uid: str) -> np.ndarray:
    """The label map a SEG written by seg_bytes holds for its source image (for tests and users alike)."""
    import highdicom as hd

    seg = hd.seg.segread(io.BytesIO(data))
    pixels = seg.get_pixels_by_source_instance(
        source_sop_instance_uids=[source_sop_uid], combine_segments=True, relabel=False
    )
    return np.asarray(pixels[0], dtype=np.uint8)


def _affine(source_image: pydicom.Dataset, spacing_mm: tuple[float, float]) -> np.ndarray:
    """Voxel (column, row, 0) -> RAS millimetres, from the DICOM geometry (which is LPS)."""
    row_cosine, col_cosine = np.eye(3)[0], np.eye(3)[1]
    orientation = getattr(source_image, "ImageOrientationPatient", None)
    if orientation is not None and len(orientation) == 6:
        row_cosine, col_cosine = np.array(orientation[:3], float), np.array(orientation[3:], float)
    position = np.array(getattr(source_image, "ImagePositionPatient", None) or (0.0, 0.0, 0.0), float)
    thickness = float(getattr(source_image, "SliceThickness", None) or UNKNOWN_THICKNESS_MM)
    normal = np.cross(row_cosine, col_cosine)
    affine = np.eye(4)
    affine[:3, 0] = row_cosine * spacing_mm[1]  # along a row: next column
    affine[:3, 1] = col_cosine * spacing_mm[0]  # down a column: next row
    affine[:3, 2] = normal * thickness
    affine[:3, 3] = position
    return np.diag([-1.0, -1.0, 1.0, 1.0]) @ affine  # LPS -> RAS


def nifti_bytes(mask: np.ndarray, source_image: pydicom.Dataset, spacing_mm: tuple[float, float]) -> bytes:
    """A gzipped NIfTI-1 label map, shape (columns, rows, 1), in the slice's patient geometry."""
    import nibabel as nib

    volume = np.ascontiguousarray(mask.T[:, :, None], dtype=np.uint8)
    image = nib.Nifti1Image(volume, _affine(source_image, spacing_mm))
    image.header.set_xyzt_units("mm")
    image.header["descrip"] = b"MuscleSeed: 1 muscle, 2 liver"
    return gzip.compress(image.to_bytes(), compresslevel=6, mtime=0)


def nifti_read_mask(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(mask as rows x columns, affine) from bytes written by nifti_bytes."""
    import nibabel as nib

    image = nib.Nifti1Image.from_bytes(gzip.decompress(data))
    return np.asarray(image.dataobj)[:, :, 0].T.astype(np.uint8), image.affine


def overlay_png(hu: np.ndarray, mask: np.ndarray) -> bytes:
    """The slice in a soft-tissue window with muscle (red) and liver (blue) blended on top."""
    level, width = SOFT_TISSUE_WINDOW
    grey = np.clip((np.asarray(hu, float) - (level - width / 2)) / width, 0.0, 1.0) * 255.0
    rgb = np.repeat(grey[:, :, None], 3, axis=2)
    for label, colour in OVERLAY_COLOURS.items():
        inside = mask == label
        rgb[inside] = (1 - OVERLAY_ALPHA) * rgb[inside] + OVERLAY_ALPHA * np.array(colour, float)
    out = io.BytesIO()
    PILImage.fromarray(rgb.round().astype(np.uint8), mode="RGB").save(out, format="PNG", optimize=False)
    return out.getvalue()
