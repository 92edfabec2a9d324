"""Pixel-module checks and decoding to Hounsfield units."""

import logging

import numpy as np
from pydicom import uid
from pydicom.dataset import Dataset
from pydicom.pixels import get_decoder

from .errors import IngestRejected
from .limits import Limits
from .parsed import number, numbers, text

logger = logging.getLogger(__name__)

# Scanners write slope 1 (sometimes 0.5 or 2) and intercept -1024 or so; far outside these the pixel values
# cannot be HU (a slope of 1e300 clips every pixel and measured SMA 0).
MIN_SLOPE, MAX_SLOPE, MAX_INTERCEPT = 1e-3, 100.0, 1e5

_REFUSED_SYNTAXES = {
    uid.DeflatedExplicitVRLittleEndian: "deflated datasets are not accepted",
    uid.ExplicitVRBigEndian: "big-endian DICOM (retired in 2004) is not accepted",
}


def transfer_syntax(ds: Dataset) -> uid.UID:
    """The file's transfer syntax, from its file meta or, for files without one, from how it parsed."""
    declared = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    if declared:
        return uid.UID(str(declared))
    implicit, little = getattr(ds, "original_encoding", (True, True))
    if not little:
        return uid.ExplicitVRBigEndian
    return uid.ImplicitVRLittleEndian if implicit else uid.ExplicitVRLittleEndian


def check_transfer_syntax(syntax: uid.UID, filename: str) -> None:
    if syntax in _REFUSED_SYNTAXES:
        raise IngestRejected(filename, _REFUSED_SYNTAXES[syntax], "unsupported_transfer_syntax")
    try:
        available = get_decoder(syntax).is_available
    except NotImplementedError:
        available = False
    if not available:
        name = syntax.name if syntax.is_transfer_syntax else f"'{syntax}'"
        reason = f"uses transfer syntax {name}, which MuscleSeed cannot decode"
        raise IngestRejected(filename, reason, "unsupported_transfer_syntax")


def check_pixel_module(ds: Dataset, filename: str, limits: Limits) -> tuple[int, int]:
    """Refuse pixel data that is absent, not greyscale, oddly sized or multi-frame; return (rows, cols)."""
    if "PixelData" not in ds:
        raise IngestRejected(filename, "has no pixel data (it is not an image)", "no_pixels")
    photometric = text(ds, "PhotometricInterpretation").upper()
    samples, bits = ds.get("SamplesPerPixel", 1), ds.get("BitsAllocated")
    if samples != 1 or photometric not in ("MONOCHROME1", "MONOCHROME2", ""):
        reason = f"has {photometric or 'colour'} pixels with {samples} samples; CT images are greyscale"
        raise IngestRejected(filename, reason, "unsupported_pixels")
    if bits not in (8, 16, 32):
        reason = f"has {bits} bits allocated per pixel; 8, 16 or 32 are accepted"
        raise IngestRejected(filename, reason, "unsupported_pixels")
    return _check_dimensions(ds, filename, limits)


def _check_dimensions(ds: Dataset, filename: str, limits: Limits) -> tuple[int, int]:
    rows, cols = int(ds.get("Rows") or 0), int(ds.get("Columns") or 0)
    if rows <= 0 or cols <= 0:
        raise IngestRejected(filename, f"has no image size ({rows} x {cols} pixels)", "bad_dimensions")
    if rows > limits.max_rows or cols > limits.max_cols:
        reason = f"declares {rows} x {cols} pixels, more than the {limits.max_rows} x {limits.max_cols} accepted"
        raise IngestRejected(filename, reason, "bad_dimensions")
    frames = int(number(ds, "NumberOfFrames") or 1)
    if frames > limits.max_frames:
        reason = f"has {frames} frames; only single-frame images are accepted (one file per slice)"
        raise IngestRejected(filename, reason, "multi_frame")
    return rows, cols


def check_native_length(ds: Dataset, syntax: uid.UID, filename: str) -> None:
    """Uncompressed pixel data must hold every pixel the header promises."""
    if syntax.is_compressed:
        return
    expected = int(ds.Rows) * int(ds.Columns) * int(ds.BitsAllocated) // 8
    actual = len(ds.get_item("PixelData").value or b"")
    if actual < expected:
        reason = f"is truncated: pixel data holds {actual} bytes, the image needs {expected}"
        raise IngestRejected(filename, reason, "truncated")


def rescale(ds: Dataset, filename: str) -> tuple[float, float]:
    slope, intercept = number(ds, "RescaleSlope"), number(ds, "RescaleIntercept")
    if slope is None or intercept is None:
        reason = "has no RescaleSlope/RescaleIntercept, so its pixel values cannot be turned into HU"
        raise IngestRejected(filename, reason, "missing_rescale")
    if slope == 0:
        raise IngestRejected(filename, "has RescaleSlope 0, which maps every pixel to one HU", "missing_rescale")
    if not MIN_SLOPE <= abs(slope) <= MAX_SLOPE or abs(intercept) > MAX_INTERCEPT:
        reason = (
            f"has RescaleSlope {slope:g} and RescaleIntercept {intercept:g}; CT needs a slope between {MIN_SLOPE:g} "
            f"and {MAX_SLOPE:g} and an intercept within +-{MAX_INTERCEPT:g} to give Hounsfield units"
        )
        raise IngestRejected(filename, reason, "bad_rescale")
    return slope, intercept


def pixel_spacing(ds: Dataset, filename: str) -> tuple[float, float]:
    spacing = numbers(ds, "PixelSpacing", 2)
    if spacing is None or min(spacing) <= 0 or max(spacing) > 100:  # mm; finite by numbers()
        reason = f"has no usable PixelSpacing ({text(ds, 'PixelSpacing') or 'missing'}), so areas cannot be measured"
        raise IngestRejected(filename, reason, "missing_spacing")
    return spacing[0], spacing[1]


def decode_hu(ds: Dataset, filename: str, slope: float, intercept: float) -> np.ndarray:
    """Decode the single frame and apply the rescale; HU rounded and clipped to int16."""
    syntax = transfer_syntax(ds)
    try:
        stored = ds.pixel_array
    except Exception as exc:  # noqa: BLE001 - any decoder failure is the file's fault
        # The decoder's message describes our internals, not the file: it stays in the server log.
        logger.info("decoding %s failed: %s: %s", filename, type(exc).__name__, exc)
        reason = f"has pixel data ({syntax.name}) that could not be decoded"
        raise IngestRejected(filename, reason, "undecodable") from exc
    if stored.shape != (int(ds.Rows), int(ds.Columns)):
        reason = f"decoded to shape {stored.shape}, not the {ds.Rows} x {ds.Columns} its header declares"
        raise IngestRejected(filename, reason, "undecodable")
    return stored_to_hu(stored, slope, intercept)


def stored_to_hu(stored: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    """slope * stored + intercept, rounded half to even and clipped to int16. Whole-number slope and
    intercept (nearly every CT) take exact integer arithmetic, several times faster than float64."""
    if slope.is_integer() and intercept.is_integer() and stored.dtype.itemsize <= 2:
        hu = stored.astype(np.int64 if abs(slope) > 1 or abs(intercept) > 2**30 else np.int32)
        if slope != 1:
            hu *= int(slope)
        hu += int(intercept)
    else:
        hu = np.rint(stored.astype(np.float64) * slope + intercept)
    return np.clip(hu, -32768, 32767, out=hu).astype(np.int16)
