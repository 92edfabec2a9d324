"""Sagittal and coronal reformats of a series, built from its axial stack with its real spacing and cached.

Rows run down the patient (superior first) on a regular z grid at the series' slice spacing (each row the
nearest slice, so a gap shows as repeated rows, never as a squeezed image); columns run anterior -> posterior
(sagittal: the patient faces left) or patient right -> left (coronal: the patient's right on the left). Each
is a slab of SLAB_MM averaged through the spine: the sagittal through the column with the most bone near the
midline, the coronal through the bone's centre in front-to-back.
"""

import hashlib
import io
from dataclasses import dataclass

import numpy as np

from core.errors import ApplicationError

from . import storage
from .models import Series
from .stack import SeriesStack, stack_images, stack_load

PLANES = ("sagittal", "coronal")
SLAB_MM = 6.0
BONE_HU = 200


@dataclass(frozen=True)
class Reformat:
    plane: str
    hu: np.ndarray  # (z rows, columns) int16
    spacing_mm: tuple[float, float]  # (z step, in-plane)
    z_top_mm: float  # patient z of row 0; row r is at z_top_mm - r * spacing_mm[0]
    position: int  # the axial column (sagittal) or row (coronal) the slab is centred on


def series_reformat(*, series: Series, plane: str) -> Reformat:
    """The reformat from the cache, built (and cached) on first use or when the series gained slices."""
    if plane not in PLANES:
        raise ApplicationError(f"plane must be one of {', '.join(PLANES)}, not {plane!r}.", code="bad_plane")
    images, reason = stack_images(series=series)
    if not images:
        raise ApplicationError(
            f"Series {series.pk} has no {plane} reformat: {reason}.", code="no_reformat", http_status=409
        )
    cached = _cache_path(series, images, plane)
    if storage.exists(cached):
        return _read(cached, plane)
    return reformats_write(series=series, stack=stack_load(images))[plane]


def reformats_write(*, series: Series, stack: SeriesStack) -> dict[str, Reformat]:
    """Build both planes from a loaded stack and cache them (level detection calls this with its stack)."""
    built = {plane: reformat_build(stack, plane) for plane in PLANES}
    for plane, reformat in built.items():
        buffer = io.BytesIO()
        meta = np.array([*reformat.spacing_mm, reformat.z_top_mm, reformat.position], dtype=float)
        np.savez(buffer, hu=reformat.hu, meta=meta)
        current = _cache_path(series, stack.images, plane)
        storage.write_atomic(current, buffer.getvalue())
        folder = current.rsplit("/", 1)[0]
        older = [name for name in storage.names_under(folder) if name.startswith(f"{folder}/{plane}-")]
        storage.remove_quietly(*(name for name in older if name != current))  # from fewer slices
    return built


def reformat_build(stack: SeriesStack, plane: str) -> Reformat:
    step = float(np.median(-np.diff(stack.z_mm)))
    rows = int(round((stack.z_mm[0] - stack.z_mm[-1]) / step)) + 1
    grid = stack.z_mm[0] - step * np.arange(rows)
    nearest = np.abs(stack.z_mm[None, :] - grid[:, None]).argmin(axis=1)
    row_mm, col_mm = stack.spacing_mm
    if plane == "sagittal":
        position = _spine_column(stack)
        half = max(0, int(round(SLAB_MM / col_mm / 2)))
        slab = stack.hu[:, :, max(0, position - half) : position + half + 1].mean(axis=2)
        spacing = (step, row_mm)
    else:
        position = _spine_row(stack, _spine_column(stack))
        half = max(0, int(round(SLAB_MM / row_mm / 2)))
        slab = stack.hu[:, max(0, position - half) : position + half + 1, :].mean(axis=1)
        spacing = (step, col_mm)
    hu = np.rint(slab[nearest]).astype(np.int16)
    return Reformat(plane, hu, spacing, float(stack.z_mm[0]), int(position))


def _sample(stack: SeriesStack) -> np.ndarray:
    every = max(1, len(stack.images) // 24)
    return stack.hu[::every]


def _spine_column(stack: SeriesStack) -> int:
    """The column with the most bone in the middle half of the image (ribs are paired, the spine is not)."""
    columns = stack.hu.shape[2]
    lo, hi = columns // 4, columns - columns // 4
    counts = (_sample(stack)[:, :, lo:hi] > BONE_HU).sum(axis=(0, 1))
    if counts.max() == 0:
        return columns // 2
    return lo + int(np.argmax(np.convolve(counts, np.ones(5), mode="same")))


def _spine_row(stack: SeriesStack, column: int) -> int:
    """The bone's centre front-to-back in a 40 mm band round the spine's column."""
    band = max(1, int(round(20 / stack.spacing_mm[1])))
    bone = _sample(stack)[:, :, max(0, column - band) : column + band + 1] > BONE_HU
    rows = np.nonzero(bone.any(axis=(0, 2)))[0]
    if rows.size == 0:
        return stack.hu.shape[1] // 2
    weights = bone.sum(axis=(0, 2))
    return int(round(np.average(np.arange(stack.hu.shape[1]), weights=weights)))


def _cache_path(series: Series, images, plane: str) -> str:
    digest = hashlib.sha256(",".join(f"{i.pk}:{i.hu_path}" for i in images).encode()).hexdigest()[:16]
    return f"reformats/series-{series.pk}/{plane}-{digest}.npz"


def _read(relative: str, plane: str) -> Reformat:
    saved = storage.npz_load(relative)
    step, spacing, z_top, position = (float(v) for v in saved["meta"])
    return Reformat(plane, saved["hu"], (step, spacing), z_top, int(position))
