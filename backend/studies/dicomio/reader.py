"""read_ct: validate one uploaded file as a single CT slice and read what MuscleSeed needs from it."""

import hashlib
import io
import logging

import numpy as np
import pydicom
from pydicom import uid
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from segmentation.orientation import OrientationError, Reorientation, reorientation_for

from . import parsed, pixels, sniff
from .deid import COPIED_KEYWORDS
from .devices import device_name_problem
from .errors import IngestRejected
from .limits import Limits
from .parsed import ParsedCT, text

CT_SOP_CLASSES = frozenset(
    {
        uid.CTImageStorage,
        uid.EnhancedCTImageStorage,
        uid.LegacyConvertedEnhancedCTImageStorage,
    }
)
SECONDARY_CAPTURE_SOP_CLASSES = frozenset(
    {
        uid.SecondaryCaptureImageStorage,
        uid.MultiFrameSingleBitSecondaryCaptureImageStorage,
        uid.MultiFrameGrayscaleByteSecondaryCaptureImageStorage,
        uid.MultiFrameGrayscaleWordSecondaryCaptureImageStorage,
        uid.MultiFrameTrueColorSecondaryCaptureImageStorage,
    }
)
_SCREEN_CAPTURE_WORDS = ("SCREEN", "CAPTURE", "SNAPSHOT")
_DEFLATED = uid.DeflatedExplicitVRLittleEndian.encode("ascii")
_UNDEFINED_LENGTH = 0xFFFFFFFF
_DELIMITER_BYTES = 8
_ORIENTATION_CODES = {"not_axial": "not_axial", "oblique": "oblique", "bad": "bad_orientation"}
logger = logging.getLogger(__name__)


def read_ct(data: bytes, filename: str, limits: Limits | None = None) -> ParsedCT:
    """Validate ``data`` as one CT slice; raise IngestRejected (never anything else) when it is not."""
    try:
        return _read_ct(data, filename, limits or Limits())
    except IngestRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - a parser bug must still be a clean rejection
        # Never echo the exception: its text describes the server (a RecursionError once reached a client).
        logger.warning("reading %s failed: %s", filename, type(exc).__name__, exc_info=True)
        raise IngestRejected(filename, "could not be read as a CT image", "undecodable") from exc


def _read_ct(data: bytes, filename: str, limits: Limits) -> ParsedCT:
    _check_bytes(data, filename, limits)
    ds = _parse(data, filename)
    _check_kind(ds, filename)
    _check_copied_readable(ds, filename)
    _check_device_names(ds, filename)
    rows, cols = pixels.check_pixel_module(ds, filename, limits)
    syntax = pixels.transfer_syntax(ds)
    pixels.check_transfer_syntax(syntax, filename)
    ds.file_meta.TransferSyntaxUID = syntax  # files without file meta need it to decode
    pixels.check_native_length(ds, syntax, filename)
    slope, intercept = pixels.rescale(ds, filename)
    spacing = pixels.pixel_spacing(ds, filename)
    reorientation = _reorientation(ds, filename)
    hu = pixels.decode_hu(ds, filename, slope, intercept)
    return _build(
        ds,
        hu=hu,
        shape=(rows, cols),
        spacing=spacing,
        rescale=(slope, intercept),
        syntax=syntax,
        data=data,
        reorientation=reorientation,
    )


def _check_device_names(ds: Dataset, filename: str) -> None:
    for keyword in ("Manufacturer", "ManufacturerModelName"):
        problem = device_name_problem(text(ds, keyword))
        if problem:
            reason = f"its {keyword} {problem}: devices are shared by every user, so names are kept plain"
            raise IngestRejected(filename, reason, "bad_device_name")


def _reorientation(ds: Dataset, filename: str) -> Reorientation:
    """Axial slices in any in-plane orientation are accepted (and reoriented); anything else is refused."""
    cosines = parsed.numbers(ds, "ImageOrientationPatient", 6)
    raw = text(ds, "ImageOrientationPatient")
    try:  # absent: taken as standard; present but not six numbers: refused as unreadable
        return reorientation_for(cosines if cosines is not None or not raw else raw.split("\\"))
    except OrientationError as error:
        raise IngestRejected(filename, error.reason, _ORIENTATION_CODES[error.kind]) from error


def _check_bytes(data: bytes, filename: str, limits: Limits) -> None:
    if len(data) > limits.max_file_bytes:
        reason = f"is {len(data)} bytes, more than the {limits.max_file_bytes} accepted for one file"
        raise IngestRejected(filename, reason, "too_large")
    if not sniff.starts_like_dicom(data):
        reason = f"is not a DICOM file (it looks like {sniff.describe(data)})"
        raise IngestRejected(filename, reason, "not_dicom")
    if _DEFLATED in data[:4096]:  # refused before parsing: inflating is unbounded
        reason = "uses the deflated transfer syntax, which is not accepted"
        raise IngestRejected(filename, reason, "unsupported_transfer_syntax")


def _parse(data: bytes, filename: str) -> Dataset:
    source = sniff.with_preamble(data)
    try:
        ds = pydicom.dcmread(io.BytesIO(source), force=True)
    except Exception as exc:  # noqa: BLE001 - pydicom raises many types for bad input
        logger.info("parsing %s failed: %s: %s", filename, type(exc).__name__, exc)
        raise IngestRejected(filename, "is not a readable DICOM file", "not_dicom") from exc
    _check_complete(ds, len(source), filename)
    return ds


def _check_complete(ds: Dataset, size: int, filename: str) -> None:
    """pydicom reads truncated files silently; find short values and bytes it could not parse."""
    if not len(ds):  # pydicom drops every element when a file ends inside a sequence or pixel data item
        raise IngestRejected(filename, "is truncated: its data set ends before it could be read", "truncated")
    last_end = None
    for tag in ds.keys():  # keys, not elements: iterating a Dataset converts every raw element
        element = ds.get_item(tag)
        last_end = None
        if not isinstance(element, RawDataElement) or element.value is None:
            continue
        if element.length != _UNDEFINED_LENGTH and len(element.value) < element.length:
            reason = f"is truncated: element {tag} holds {len(element.value)} of {element.length} bytes"
            raise IngestRejected(filename, reason, "truncated")
        undefined = element.length == _UNDEFINED_LENGTH
        last_end = element.value_tell + len(element.value) + (_DELIMITER_BYTES if undefined else 0)
    # An element cut short at its header, or undefined-length pixel data without its end, is dropped by
    # pydicom: the file then seems to lack pixel data while bytes remain after the last element read.
    if last_end is not None and last_end < size and "PixelData" not in ds:
        reason = f"is truncated: {size - last_end} bytes at the end could not be read as DICOM"
        raise IngestRejected(filename, reason, "truncated")


def _check_copied_readable(ds: Dataset, filename: str) -> None:
    """deidentify copies these attributes: each must convert from its raw bytes (a damaged VR does not)."""
    for keyword in COPIED_KEYWORDS:
        if keyword == "PixelData" or keyword not in ds:
            continue
        try:
            ds.data_element(keyword)
        except Exception as exc:  # noqa: BLE001 - pydicom raises many types for a bad VR or value
            logger.info("%s: %s unreadable: %s: %s", filename, keyword, type(exc).__name__, exc)
            raise IngestRejected(filename, f"has an unreadable {keyword} attribute", "not_dicom") from exc


def _check_kind(ds: Dataset, filename: str) -> None:
    sop_class = _sop_class(ds)
    modality = text(ds, "Modality").upper()
    if not sop_class and not modality:
        reason = "is not a DICOM image: it has neither a SOP Class UID nor a Modality"
        raise IngestRejected(filename, reason, "not_dicom")
    if sop_class == uid.MediaStorageDirectoryStorage:  # common in zips of CD exports
        reason = "is a DICOMDIR (an index of the other files), not an image"
        raise IngestRejected(filename, reason, "no_pixels")
    if sop_class in SECONDARY_CAPTURE_SOP_CLASSES:
        reason = "is a secondary capture (a screenshot or scanned image), not an original CT image"
        raise IngestRejected(filename, reason, "secondary_capture")
    if modality != "CT":
        reason = f"has Modality {modality or '(none)'}, not CT"
        raise IngestRejected(filename, reason, "wrong_modality")
    if sop_class and sop_class not in CT_SOP_CLASSES:
        reason = f"is a {uid.UID(sop_class).name} object, not a CT image"
        raise IngestRejected(filename, reason, "unsupported_sop_class")
    if _is_screen_capture(ds):
        reason = f"is a screen capture (ImageType {text(ds, 'ImageType')}), not an original CT image"
        raise IngestRejected(filename, reason, "secondary_capture")
    if text(ds, "BurnedInAnnotation").upper() == "YES":
        reason = "has BurnedInAnnotation YES: text burned into the pixels may identify the patient"
        raise IngestRejected(filename, reason, "burned_in")


def _is_screen_capture(ds: Dataset) -> bool:
    """DERIVED\\SECONDARY with a screen-capture value: a screenshot filed under a CT SOP class. Other derived
    secondary images (axial reformats) are left to the orientation and pixel checks."""
    values = [part.strip() for part in text(ds, "ImageType").upper().split("\\")]
    captured = any(word in value for value in values for word in _SCREEN_CAPTURE_WORDS)
    return "DERIVED" in values and "SECONDARY" in values and captured


def _sop_class(ds: Dataset) -> str:
    meta = getattr(ds, "file_meta", Dataset())
    return text(ds, "SOPClassUID") or text(meta, "MediaStorageSOPClassUID")


def _build(
    ds: Dataset,
    *,
    hu: np.ndarray,
    shape: tuple[int, int],
    spacing: tuple[float, float],
    rescale: tuple[float, float],
    syntax: uid.UID,
    data: bytes,
    reorientation: Reorientation,
) -> ParsedCT:
    sop, series, study, derived = parsed.resolve_uids(ds, lambda: hashlib.sha256(data).hexdigest())
    when = parsed.study_date(ds)
    position = parsed.numbers(ds, "ImagePositionPatient", 3)
    return ParsedCT(
        dataset=ds,
        hu=hu,
        rows=shape[0],
        cols=shape[1],
        pixel_spacing_mm=spacing,
        slice_thickness_mm=parsed.number(ds, "SliceThickness"),
        slice_location=parsed.slice_location(ds, position),
        instance_number=parsed.instance_number(ds),
        sop_instance_uid=sop,
        series_instance_uid=series,
        study_instance_uid=study,
        study_date=when,
        kernel=text(ds, "ConvolutionKernel"),
        kvp=parsed.number(ds, "KVP"),
        patient_key=parsed.patient_key(ds),
        series_description=text(ds, "SeriesDescription"),
        transfer_syntax=syntax.name,
        transfer_syntax_uid=str(syntax),
        sop_class_uid=_sop_class(ds) or uid.CTImageStorage,
        frame_of_reference_uid=text(ds, "FrameOfReferenceUID"),
        image_type=tuple(part for part in text(ds, "ImageType").upper().split("\\") if part),
        image_position_mm=position,
        image_orientation=parsed.numbers(ds, "ImageOrientationPatient", 6),
        rescale_slope=rescale[0],
        rescale_intercept=rescale[1],
        body_part=text(ds, "BodyPartExamined"),
        derived_uids=derived,
        reorientation=reorientation,
        **parsed.device(ds),
        **parsed.demographics(ds, when),
    )
