"""The standard radiological view, and the one place that maps a stored DICOM grid to it and back.

Every image enters the engine (and the web app's HU arrays, viewer, masks and measurements) in the standard
axial view: anterior at the top, the patient's right on the screen's left. In DICOM terms that is
ImageOrientationPatient 1,0,0,0,1,0: along a row (increasing column) the patient's +x (towards the left),
down a column (increasing row) the patient's +y (towards the back). Any axial slice stored otherwise differs
from it by one of eight in-plane transforms: optionally transpose, then optionally reverse the rows and/or
the columns. ``Reorientation`` names that transform; ``reorientation_for`` reads it from the six direction
cosines, and refuses slices that are not axial (sagittal, coronal) or are tilted (oblique, gantry tilt).

Tolerance: each direction cosine may differ from its patient axis by at most AXIS_TOLERANCE (0.01) in any
component, i.e. about 0.6 degrees. Treating such a slice as exactly axial moves a point 250 mm from the
isocentre at most 2.5 mm out of plane (under one slice thickness) and changes areas by under 0.01 %; scanners'
rounding noise (1e-6) passes, while a gantry tilt of one degree or more (0.017) is refused, since a tilted
slice cuts muscle obliquely and its area is not the axial cross-section the SMI references use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

AXIS_TOLERANCE = 0.01
STANDARD_ORIENTATION: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
_PLANE_OF_NORMAL = {0: "sagittal", 1: "coronal"}


class OrientationError(ValueError):
    """A slice the engine cannot put in the standard axial view; ``kind`` is 'not_axial', 'oblique' or 'bad'."""

    def __init__(self, reason: str, kind: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


@dataclass(frozen=True)
class Reorientation:
    """Stored grid -> standard view: transpose first (if set), then reverse rows and/or columns."""

    transpose: bool = False
    flip_rows: bool = False
    flip_cols: bool = False

    @property
    def name(self) -> str:
        """'identity', or the steps joined by '+', e.g. 'transpose+flip_rows' (stored on the Image row)."""
        steps = [step for step in ("transpose", "flip_rows", "flip_cols") if getattr(self, step)]
        return "+".join(steps) or "identity"

    @classmethod
    def from_name(cls, name: str) -> Reorientation:
        steps = set() if name in ("", "identity") else set(name.split("+"))
        unknown = steps - {"transpose", "flip_rows", "flip_cols"}
        if unknown:
            raise ValueError(f"unknown reorientation step(s) {sorted(unknown)} in {name!r}")
        return cls(**{step: True for step in steps})

    def to_standard(self, array: np.ndarray) -> np.ndarray:
        """A (rows, columns, ...) array on the stored grid, seen in the standard view."""
        out = np.swapaxes(array, 0, 1) if self.transpose else array
        if self.flip_rows:
            out = out[::-1]
        if self.flip_cols:
            out = out[:, ::-1]
        return np.ascontiguousarray(out)

    def from_standard(self, array: np.ndarray) -> np.ndarray:
        """The inverse of to_standard: a standard-view array (a mask, say) back on the stored DICOM grid."""
        out = array[::-1] if self.flip_rows else array
        if self.flip_cols:
            out = out[:, ::-1]
        if self.transpose:
            out = np.swapaxes(out, 0, 1)
        return np.ascontiguousarray(out)

    def spacing_to_standard(self, spacing_mm: tuple[float, float]) -> tuple[float, float]:
        """(row, column) spacing of the stored grid -> of the standard view (swapped under a transpose)."""
        return (spacing_mm[1], spacing_mm[0]) if self.transpose else (spacing_mm[0], spacing_mm[1])

    def spacing_from_standard(self, spacing_mm: tuple[float, float]) -> tuple[float, float]:
        return self.spacing_to_standard(spacing_mm)  # a swap is its own inverse


IDENTITY = Reorientation()


def reorientation_for(orientation: Sequence[float] | None) -> Reorientation:
    """The transform that puts a slice with these six direction cosines in the standard view.

    None (no ImageOrientationPatient) is taken as the standard view: old exports and some anonymisers drop
    the attribute, and there is nothing better to go on. Raises OrientationError for anything not axial.
    """
    if orientation is None:
        return IDENTITY
    try:
        cosines = np.asarray(orientation, dtype=float)
    except (TypeError, ValueError):
        cosines = np.full(1, np.nan)
    if cosines.shape != (6,) or not np.isfinite(cosines).all():
        raise OrientationError(f"has an unreadable ImageOrientationPatient ({_show(orientation)})", "bad")
    row_axis, row_sign = _nearest_axis(cosines[:3])
    col_axis, col_sign = _nearest_axis(cosines[3:])
    if row_axis == col_axis:
        raise OrientationError(f"has ImageOrientationPatient {_show(orientation)} whose axes are not orthogonal", "bad")
    if 2 in (row_axis, col_axis):
        plane = _PLANE_OF_NORMAL.get(3 - row_axis - col_axis, "non-axial")
        reason = f"is a {plane} slice (ImageOrientationPatient {_show(orientation)}); only axial CT slices are accepted"
        raise OrientationError(reason, "not_axial")
    _check_not_oblique(cosines, (row_axis, row_sign), (col_axis, col_sign), orientation)
    if row_axis == 0:  # rows run along x: only reversals
        return Reorientation(flip_rows=col_sign < 0, flip_cols=row_sign < 0)
    # rows run along y: after the transpose, the stored columns (along x) become rows and vice versa
    return Reorientation(transpose=True, flip_rows=row_sign < 0, flip_cols=col_sign < 0)


def _nearest_axis(cosine: np.ndarray) -> tuple[int, int]:
    axis = int(np.argmax(np.abs(cosine)))
    return axis, 1 if cosine[axis] >= 0 else -1


def _check_not_oblique(cosines: np.ndarray, row: tuple[int, int], col: tuple[int, int], shown) -> None:
    ideal = np.zeros(6)
    ideal[row[0]] = row[1]
    ideal[3 + col[0]] = col[1]
    worst = float(np.abs(cosines - ideal).max())
    if worst > AXIS_TOLERANCE:
        degrees = float(np.degrees(np.arcsin(min(1.0, worst))))
        reason = (
            f"is an oblique (tilted) slice: ImageOrientationPatient {_show(shown)} is about {degrees:.1f} degrees "
            f"off the axial plane, more than the {AXIS_TOLERANCE} accepted; only axial CT slices are measured"
        )
        raise OrientationError(reason, "oblique")


def _show(orientation) -> str:
    try:
        return ",".join(f"{float(value):g}" for value in orientation)
    except (TypeError, ValueError):
        return repr(orientation)
