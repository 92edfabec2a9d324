"""Plausibility checks on one measured slice: can its numbers be vouched for?

Each check says what it tested, the value, the bounds and where the bounds come from. The ranges are wide
physiological plausibility bounds, set well outside published adult distributions: a value outside them
means the mask (or the image) is wrong, not that the patient is unusual. They are not diagnostic
thresholds; sarcopenia and myosteatosis cut-offs live in composition.py.

A failed check makes the measurement implausible: its flags are withheld (no finding from an empty or
broken mask). A check that cannot be made (SMI without a height) is recorded as not checked, not failed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import ndimage

from .composition import IMAT_HU, MUSCLE_HU, MUSCLE_LABEL, Composition

# Skeletal muscle area at an abdominal level, cm2, by sex (None: sex unknown, the union of both).
# Healthy adult L3 SMA and SMI distributions (van der Werf 2018, Derstine 2018) and the cancer cohorts
# behind the sarcopenia cut-offs (Prado 2008: SMI 52.4 / 38.5 lie well inside) fall well within these bounds.
SMA_SOURCE = (
    "van der Werf 2018 (Eur J Clin Nutr 72:288, L3 reference values, healthy Dutch adults); "
    "Derstine 2018 (Sci Rep 8:11369, T10-L5 reference values, healthy US adults)"
)
SMA_CM2 = {"M": (50.0, 350.0), "F": (40.0, 260.0), None: (40.0, 350.0)}
SMI_SOURCE = SMA_SOURCE + "; Prado 2008 (Lancet Oncol 9:629, cut-offs 52.4 / 38.5 inside the range)"
SMI_CM2_M2 = {"M": (18.0, 110.0), "F": (15.0, 90.0), None: (15.0, 110.0)}
# Mean attenuation of muscle within the muscle HU range. Healthy muscle is about 35-55 HU without contrast
# (Goodpaster 2000), severe myosteatosis lowers it towards 0-10 HU, contrast raises it by tens of HU.
MUSCLE_HU_SOURCE = (
    "Goodpaster 2000 (J Appl Physiol 89:104, muscle attenuation in older adults); "
    "Martin 2013 (J Clin Oncol 31:1539, myosteatosis cut-offs 41 / 33 HU inside the range)"
)
MEAN_MUSCLE_HU = (-20.0, 100.0)
# A muscle mask smaller than this is empty or a fragment: no adult abdominal slice holds so little muscle.
MIN_MASK_CM2 = 10.0
# Pixels of the muscle mask below the fat range (air, gas) or above the muscle range (bone, contrast).
# Mitsiopoulos 1998 defines the ranges; on the phantom's exact masks these shares are under 0.4 % (air)
# and about 1 % (bone, partial volume at the vertebra); 5 % leaves room for noise and outlines, and a mask
# over lung, bowel gas or bone exceeds it.
HU_RANGE_SOURCE = "Mitsiopoulos 1998 (J Appl Physiol 85:115): muscle -29..150 HU, adipose -190..-30 HU"
AIR_BELOW_HU = IMAT_HU[0]
BONE_ABOVE_HU = MUSCLE_HU[1]
MAX_AIR_SHARE = 0.05
MAX_BONE_SHARE = 0.05
# The body (the largest region above -500 HU: soft tissue, not air or lung) touching the image border over
# this length on one edge was cut by the field of view, so its muscle is incomplete. A couch or a cable
# touches over millimetres; a cut flank or back over centimetres.
BODY_HU = -500.0
MAX_BODY_BORDER_MM = 20.0
FOV_SOURCE = "body (> -500 HU) on the image border: the field of view cut the body, its muscle is incomplete"


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool | None  # None: could not be checked (e.g. SMI without a height)
    value: float | None
    low: float | None
    high: float | None
    unit: str
    message: str
    source: str


@dataclass(frozen=True)
class Plausibility:
    checks: tuple[Check, ...]

    @property
    def plausible(self) -> bool:
        return all(check.passed is not False for check in self.checks)

    @property
    def failed(self) -> list[str]:
        return [check.name for check in self.checks if check.passed is False]

    def as_dict(self) -> dict:
        return {
            "plausible": self.plausible,
            "failed": self.failed,
            "checks": [asdict(check) for check in self.checks],
            "note": "wide physiological plausibility bounds, not diagnostic thresholds",
        }


def _range_check(name: str, value: float | None, bounds: tuple[float, float], unit: str, source: str) -> Check:
    low, high = bounds
    if value is None:
        return Check(name, None, None, low, high, unit, f"{name} not known: not checked", source)
    passed = low <= value <= high
    verdict = "within" if passed else "outside"
    message = f"{value:.1f} {unit} is {verdict} the plausible {low:g}-{high:g} {unit}"
    return Check(name, passed, float(value), low, high, unit, message, source)


def mask_size_check(mask: np.ndarray, spacing_mm: tuple[float, float]) -> Check:
    area = float((np.asarray(mask) == MUSCLE_LABEL).sum() * spacing_mm[0] * spacing_mm[1] / 100.0)
    if area == 0:
        message = "the muscle mask is empty"
    elif area < MIN_MASK_CM2:
        message = f"the muscle mask covers only {area:.1f} cm2 (a fragment; at least {MIN_MASK_CM2:g} expected)"
    else:
        message = f"the muscle mask covers {area:.1f} cm2"
    source = "no adult abdominal slice holds less muscle (see sma_cm2)"
    return Check("mask_size", area >= MIN_MASK_CM2, area, MIN_MASK_CM2, None, "cm2", message, source)


def _share_check(name: str, share: float | None, limit: float, what: str) -> Check:
    if share is None:
        return Check(name, None, None, None, limit, "share", "no muscle pixels: not checked", HU_RANGE_SOURCE)
    passed = share <= limit
    message = f"{share:.1%} of the muscle mask is {what} (at most {limit:.0%} expected)"
    return Check(name, passed, share, None, limit, "share", message, HU_RANGE_SOURCE)


def tissue_checks(hu: np.ndarray, mask: np.ndarray) -> list[Check]:
    """Shares of the muscle mask in air (< -190 HU) and in bone (> 150 HU)."""
    values = np.asarray(hu)[np.asarray(mask) == MUSCLE_LABEL]
    air = float((values < AIR_BELOW_HU).mean()) if values.size else None
    bone = float((values > BONE_ABOVE_HU).mean()) if values.size else None
    return [
        _share_check("muscle_in_air", air, MAX_AIR_SHARE, f"air or gas (< {AIR_BELOW_HU:g} HU)"),
        _share_check("muscle_in_bone", bone, MAX_BONE_SHARE, f"bone or contrast (> {BONE_ABOVE_HU:g} HU)"),
    ]


def _longest_run(edge: np.ndarray) -> int:
    """Length of the longest run of True in a 1D boolean array."""
    padded = np.concatenate([[False], edge, [False]]).astype(np.int8)
    changes = np.flatnonzero(np.diff(padded))
    return int((changes[1::2] - changes[::2]).max()) if changes.size else 0


def body_border_mm(hu: np.ndarray, spacing_mm: tuple[float, float]) -> float:
    """The longest stretch, in mm, over which the body touches one edge of the image."""
    body = np.asarray(hu) > BODY_HU
    labels, count = ndimage.label(body)
    if count == 0:
        return 0.0
    sizes = ndimage.sum(body, labels, range(1, count + 1))
    largest = labels == int(np.argmax(sizes)) + 1
    row_mm, column_mm = spacing_mm
    runs = [
        _longest_run(largest[0]) * column_mm,
        _longest_run(largest[-1]) * column_mm,
        _longest_run(largest[:, 0]) * row_mm,
        _longest_run(largest[:, -1]) * row_mm,
    ]
    return float(max(runs))


def field_of_view_check(hu: np.ndarray, spacing_mm: tuple[float, float]) -> Check:
    length = body_border_mm(hu, spacing_mm)
    passed = length <= MAX_BODY_BORDER_MM
    message = (
        f"the body touches the image border over {length:.0f} mm: cut by the field of view"
        if not passed
        else "the body lies inside the field of view"
    )
    return Check("body_in_field_of_view", passed, length, None, MAX_BODY_BORDER_MM, "mm", message, FOV_SOURCE)


def plausibility(hu: np.ndarray, mask: np.ndarray, composition: Composition) -> Plausibility:
    """Every check on one measured slice; `composition` is measure()'s result for the same hu and mask."""
    sex = composition.sex if composition.sex in ("M", "F") else None
    spacing = composition.spacing_mm
    size = mask_size_check(mask, spacing)
    checks = [size]
    if size.passed:  # ranges of an empty mask say nothing more than "empty"
        checks += [
            _range_check("sma_cm2", composition.sma_cm2, SMA_CM2[sex], "cm2", SMA_SOURCE),
            _range_check("smi_cm2_m2", composition.smi_cm2_m2, SMI_CM2_M2[sex], "cm2/m2", SMI_SOURCE),
            _range_check("mean_muscle_hu", composition.mean_muscle_hu, MEAN_MUSCLE_HU, "HU", MUSCLE_HU_SOURCE),
            *tissue_checks(hu, mask),
        ]
    checks.append(field_of_view_check(hu, spacing))
    return Plausibility(tuple(checks))
