"""Body composition from one axial slice: SMA, muscle attenuation, IMAT, SMI, liver, and flags against
named published cut-offs. Every result carries the HU ranges and the references it used."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

MUSCLE_HU = (-29.0, 150.0)
IMAT_HU = (-190.0, -30.0)
MUSCLE_LABEL, LIVER_LABEL = 1, 2
BMI_BAND_LIMIT = 25.0

PRADO_2008 = "Prado 2008 (Lancet Oncol 9:629)"
MARTIN_2013 = "Martin 2013 (J Clin Oncol 31:1539)"


@dataclass(frozen=True)
class Flag:
    name: str  # "sarcopenia" or "myosteatosis"
    reference: str
    measure: str  # "smi_cm2_m2" or "mean_muscle_hu"
    value: float
    threshold: float  # flagged when value < threshold
    rule: str  # the band of the reference that applied, e.g. "men, BMI >= 25"
    flagged: bool


@dataclass(frozen=True)
class Composition:
    sma_cm2: float
    mean_muscle_hu: float | None
    imat_cm2: float
    smi_cm2_m2: float | None
    liver_area_cm2: float | None
    mean_liver_hu: float | None
    bmi: float | None
    sex: str | None
    flags: tuple[Flag, ...]
    muscle_hu_range: tuple[float, float] = MUSCLE_HU
    imat_hu_range: tuple[float, float] = IMAT_HU
    spacing_mm: tuple[float, float] = (1.0, 1.0)

    def as_dict(self) -> dict:
        values = asdict(self)
        values["flags"] = [asdict(flag) for flag in self.flags]
        values["muscle_hu_range"] = list(self.muscle_hu_range)
        values["imat_hu_range"] = list(self.imat_hu_range)
        values["spacing_mm"] = list(self.spacing_mm)
        values["references"] = sorted({flag.reference for flag in self.flags})
        return values


def _band(sex: str, bmi: float | None) -> tuple[str, float | None]:
    """Martin 2013 sarcopenia threshold for this sex and BMI band (men need a BMI)."""
    if sex == "F":
        return "women, any BMI", 41.0
    if bmi is None:
        return "men, BMI unknown", None
    return ("men, BMI < 25", 43.0) if bmi < BMI_BAND_LIMIT else ("men, BMI >= 25", 53.0)


def sarcopenia_flags(smi: float | None, sex: str | None, bmi: float | None) -> list[Flag]:
    if smi is None or sex not in ("M", "F"):
        return []
    smi = float(smi)
    prado = 52.4 if sex == "M" else 38.5
    rule = "men" if sex == "M" else "women"
    flags = [Flag("sarcopenia", PRADO_2008, "smi_cm2_m2", smi, prado, rule, bool(smi < prado))]
    martin_rule, martin = _band(sex, bmi)
    if martin is not None:
        flags.append(Flag("sarcopenia", MARTIN_2013, "smi_cm2_m2", smi, martin, martin_rule, bool(smi < martin)))
    return flags


def myosteatosis_flags(mean_hu: float | None, bmi: float | None) -> list[Flag]:
    if mean_hu is None or bmi is None:
        return []
    mean_hu = float(mean_hu)
    rule, threshold = ("BMI < 25", 41.0) if bmi < BMI_BAND_LIMIT else ("BMI >= 25", 33.0)
    return [Flag("myosteatosis", MARTIN_2013, "mean_muscle_hu", mean_hu, threshold, rule, bool(mean_hu < threshold))]


def _validate(hu: np.ndarray, mask: np.ndarray, spacing_mm: tuple[float, float], height_m, sex) -> None:
    if hu.shape != mask.shape or hu.ndim != 2:
        raise ValueError(f"HU {hu.shape} and mask {mask.shape} must be the same 2D shape")
    if len(spacing_mm) != 2 or min(spacing_mm) <= 0:
        raise ValueError(f"pixel spacing must be two positive numbers, got {spacing_mm}")
    if height_m is not None and not 0.3 < height_m < 2.8:
        raise ValueError(f"height {height_m} m is not plausible (metres expected)")
    if sex not in (None, "M", "F"):
        raise ValueError(f"sex must be 'M', 'F' or None, got {sex!r}")


def _resolve_bmi(bmi: float | None, weight_kg: float | None, height_m: float | None) -> float | None:
    if bmi is not None:
        return float(bmi)
    if weight_kg and height_m:
        return float(weight_kg / height_m**2)
    return None


def measure(
    hu: np.ndarray,
    mask: np.ndarray,
    spacing_mm: tuple[float, float],
    *,
    height_m: float | None = None,
    sex: str | None = None,
    weight_kg: float | None = None,
    bmi: float | None = None,
) -> Composition:
    """Body composition of one slice; `mask` uses labels 1 = muscle, 2 = liver."""
    hu, mask = np.asarray(hu), np.asarray(mask)
    _validate(hu, mask, spacing_mm, height_m, sex)
    pixel_cm2 = spacing_mm[0] * spacing_mm[1] / 100.0
    compartment = mask == MUSCLE_LABEL
    muscle = compartment & (hu >= MUSCLE_HU[0]) & (hu <= MUSCLE_HU[1])
    imat = compartment & (hu >= IMAT_HU[0]) & (hu <= IMAT_HU[1])
    sma = float(muscle.sum() * pixel_cm2)
    mean_hu = float(hu[muscle].mean()) if muscle.any() else None
    smi = sma / float(height_m) ** 2 if height_m else None
    body_mass_index = _resolve_bmi(bmi, weight_kg, height_m)
    liver = mask == LIVER_LABEL
    flags = sarcopenia_flags(smi, sex, body_mass_index) + myosteatosis_flags(mean_hu, body_mass_index)
    return Composition(
        sma_cm2=sma,
        mean_muscle_hu=mean_hu,
        imat_cm2=float(imat.sum() * pixel_cm2),
        smi_cm2_m2=smi,
        liver_area_cm2=float(liver.sum() * pixel_cm2) if liver.any() else None,
        mean_liver_hu=float(hu[liver].mean()) if liver.any() else None,
        bmi=body_mass_index,
        sex=sex,
        flags=tuple(flags),
        spacing_mm=(float(spacing_mm[0]), float(spacing_mm[1])),
    )
