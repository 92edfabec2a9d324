"""Label maps as lossless 8-bit grayscale PNG, and how two label maps differ. No Django here."""

import hashlib
import io
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 16 * 1024 * 1024
COLOUR_TYPES = {0: "grayscale", 2: "colour (RGB)", 3: "palette", 4: "grayscale with alpha", 6: "colour with alpha"}


class MaskRefused(ValueError):
    """The PNG is not a usable label map; the message says why."""

    def __init__(self, reason: str, code: str):
        super().__init__(reason)
        self.reason = reason
        self.code = code


def _header(png: bytes) -> tuple[int, int, int, int]:
    """Width, height, bit depth and colour type from the IHDR chunk, read before any decoding."""
    if len(png) > MAX_PNG_BYTES:
        raise MaskRefused(f"The mask is {len(png)} bytes; the limit is {MAX_PNG_BYTES}.", "mask_too_large")
    if not png.startswith(PNG_SIGNATURE) or len(png) < 33 or png[12:16] != b"IHDR":
        raise MaskRefused("The mask is not a PNG file.", "mask_not_png")
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    return width, height, depth, colour


def mask_decode(png: bytes, *, rows: int, columns: int, allowed_values: list[int]) -> np.ndarray:
    """Decode and check a label map: 8-bit grayscale, the image's size, values from the label set."""
    width, height, depth, colour = _header(png)
    if colour != 0:
        raise MaskRefused(
            f"The mask is a {COLOUR_TYPES.get(colour, f'type {colour}')} PNG; send 8-bit grayscale.", "mask_not_gray"
        )
    if depth != 8:
        raise MaskRefused(f"The mask is a {depth}-bit PNG; send 8-bit grayscale.", "mask_bit_depth")
    if (height, width) != (rows, columns):
        raise MaskRefused(
            f"The mask is {height}x{width} (rows x columns) but the image is {rows}x{columns}.", "mask_wrong_size"
        )
    try:
        with Image.open(io.BytesIO(png)) as picture:
            mask = np.array(picture, dtype=np.uint8)
    except (OSError, UnidentifiedImageError, zlib.error, SyntaxError, ValueError) as error:
        raise MaskRefused(f"The mask PNG is damaged or truncated ({error}).", "mask_corrupt") from error
    _check_values(mask, allowed_values)
    return mask


def _check_values(mask: np.ndarray, allowed_values: list[int]) -> None:
    present = np.unique(mask)
    unknown = sorted(set(present.tolist()) - {0, *allowed_values})
    if unknown:
        shown = ", ".join(str(v) for v in unknown[:10]) + (" ..." if len(unknown) > 10 else "")
        allowed = ", ".join(str(v) for v in [0, *allowed_values])
        raise MaskRefused(f"The mask has values outside the label set: {shown} (allowed: {allowed}).", "mask_values")


def mask_encode(mask: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(mask, dtype=np.uint8), mode="L").save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def mask_load(png: bytes) -> np.ndarray:
    """Decode a PNG this module stored (already checked when it came in)."""
    with Image.open(io.BytesIO(bytes(png))) as picture:
        return np.array(picture, dtype=np.uint8)


def mask_sha256(png: bytes) -> str:
    return hashlib.sha256(png).hexdigest()


def mask_counts(mask: np.ndarray, names_by_value: dict[int, str]) -> dict[str, int]:
    histogram = np.bincount(mask.ravel(), minlength=256)
    return {name: int(histogram[value]) for value, name in sorted(names_by_value.items())}


def mask_uncovered_pixels(mask: np.ndarray, names_by_value: dict[int, str], covered: list[str]) -> dict[str, int]:
    """Pixels painted with a label the mask says it does not cover, by label name (none: {})."""
    counts = mask_counts(mask, names_by_value)
    return {name: pixels for name, pixels in counts.items() if pixels and name not in covered}


def mask_without_labels(mask: np.ndarray, values: list[int]) -> np.ndarray:
    """The mask with these labels set to background (to compare only what a revision covers)."""
    return np.where(np.isin(mask, values), 0, mask).astype(np.uint8)


@dataclass(frozen=True)
class Comparison:
    pixels_changed: int
    dice_mean: float | None  # None when neither mask has any label
    dice_by_label: dict[str, float]


def mask_compare(reference: np.ndarray, final: np.ndarray, names_by_value: dict[int, str]) -> Comparison:
    """Pixels whose label differs, and Dice per label present in either mask (and their mean)."""
    dice_by_label: dict[str, float] = {}
    for value, name in sorted(names_by_value.items()):
        in_reference, in_final = reference == value, final == value
        total = int(in_reference.sum()) + int(in_final.sum())
        if total:
            dice_by_label[name] = 2.0 * int(np.logical_and(in_reference, in_final).sum()) / total
    mean = float(np.mean(list(dice_by_label.values()))) if dice_by_label else None
    return Comparison(int(np.count_nonzero(reference != final)), mean, dice_by_label)
