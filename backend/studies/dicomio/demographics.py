"""Patient characteristics from DICOM strings, forgiving of the placeholders scanners write."""

import math
import re
from datetime import date

_AGE = re.compile(r"^\s*(\d{1,3})\s*([DWMY])\s*$", re.IGNORECASE)
_DAYS_PER_UNIT = {"D": 1, "W": 7, "M": 30.4375, "Y": 365.25}


def parse_da(value: object) -> date | None:
    """A DICOM DA (YYYYMMDD, also the old YYYY.MM.DD) as a date, or None when absent or invalid."""
    digits = re.sub(r"[^0-9]", "", str(value or ""))
    if len(digits) != 8:
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def parse_sex(value: object) -> str:
    sex = str(value or "").strip().upper()
    return sex if sex in ("M", "F") else ""


def parse_age(value: object) -> int | None:
    """Whole years from an AS value like '063Y' or '018M'.

    '000Y' is what many scanners write for "unknown"; an infant's age is written in D, W or M.
    """
    match = _AGE.match(str(value or ""))
    if not match:
        return None
    number, unit = int(match.group(1)), match.group(2).upper()
    if unit == "Y" and number == 0:
        return None
    return int(number * _DAYS_PER_UNIT[unit] // 365.25)


def age_between(birth: date | None, on: date | None) -> int | None:
    if birth is None or on is None or birth > on:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _positive_float(value: object) -> float | None:
    try:
        number = float(str(value).strip()) if value not in (None, "") else math.nan
    except ValueError:
        return None
    return number if math.isfinite(number) and number > 0 else None


def parse_height_m(value: object) -> float | None:
    """PatientSize in metres; values that only make sense as centimetres are converted."""
    height = _positive_float(value)
    if height is None:
        return None
    if 30 <= height <= 260:  # some writers put centimetres in a metres field
        height /= 100
    return round(height, 3) if 0.3 <= height <= 2.6 else None


def parse_weight_kg(value: object) -> float | None:
    weight = _positive_float(value)
    return round(weight, 2) if weight is not None and weight <= 500 else None
