"""The export's columns: one row per subject and study at L3 (the default unit), or per measured image,
flattened from a measurement and its image.

Each column has a name, an Arrow type (Parquet keeps types; CSV writes text) and a description that
goes into the zip's manifest.json. Nothing here identifies a patient: subjects appear by pseudonym only.
"""

from dataclasses import dataclass

from segmentation.composition import MARTIN_2013, PRADO_2008

REFERENCE_KEYS = {PRADO_2008: "prado2008", MARTIN_2013: "martin2013"}
FLAG_KEYS = (("sarcopenia", "prado2008"), ("sarcopenia", "martin2013"), ("myosteatosis", "martin2013"))


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # int, float, str, bool, date, timestamp
    description: str


def _flag_columns() -> list[Column]:
    columns = []
    for name, reference in FLAG_KEYS:
        prefix = f"{name}_{reference}"
        columns += [
            Column(prefix, "bool", f"{name} flag against {reference} (empty when it does not apply)"),
            Column(f"{prefix}_threshold", "float", "flagged when the value is below this"),
            Column(f"{prefix}_rule", "str", "the band of the reference that applied"),
        ]
    return columns


COLUMNS: list[Column] = [
    Column("image_id", "int", "MuscleSeed image id (the same as /api/images/{id}/)"),
    Column("pseudonym", "str", "subject pseudonym (salted hash; never the patient's identifiers)"),
    Column("sex", "str", "M, F or empty"),
    Column("age_years", "int", "age at the study, years"),
    Column("height_m", "float", "height, metres"),
    Column("weight_kg", "float", "weight, kilograms"),
    Column("bmi", "float", "body-mass index the measurement used (kg/m2)"),
    Column("split", "str", "train or test, fixed per subject at ingest"),
    Column("study_year", "int", "year of the study (the full date stays with the uploading clinician)"),
    Column("device", "str", "CT scanner (manufacturer and model)"),
    Column("kernel", "str", "reconstruction kernel"),
    Column("kvp", "float", "tube voltage, kVp"),
    Column("slice_thickness_mm", "float", "slice thickness, mm"),
    Column("pixel_spacing_row_mm", "float", "pixel spacing between rows, mm"),
    Column("pixel_spacing_col_mm", "float", "pixel spacing between columns, mm"),
    Column("level", "str", "L3 when the slice is the one marked as L3 in its series, else empty"),
    Column("sma_cm2", "float", "skeletal muscle area, cm2 (muscle mask pixels within the muscle HU range)"),
    Column("muscle_mean_hu", "float", "mean attenuation of that muscle, HU"),
    Column("imat_cm2", "float", "intermuscular adipose tissue, cm2 (muscle mask pixels within the IMAT HU range)"),
    Column("smi_cm2_m2", "float", "skeletal muscle index, cm2/m2 (needs height)"),
    *_flag_columns(),
    Column("liver_area_cm2", "float", "liver area, cm2, where the mask has liver"),
    Column("liver_mean_hu", "float", "mean liver attenuation, HU, where the mask has liver"),
    Column("source", "str", "annotation (an accepted human mask) or model (a model version's prediction)"),
    Column("annotation_revision_id", "int", "the accepted annotation revision measured"),
    Column("model_version", "str", "the model version whose prediction was measured"),
    Column("model_checksum", "str", "sha256 of that model version's weights"),
    Column("muscle_hu_range", "str", "muscle HU thresholds used, 'low..high'"),
    Column("imat_hu_range", "str", "IMAT HU thresholds used, 'low..high'"),
    Column("measured_at", "timestamp", "when the measurement was computed (UTC)"),
    Column("plausible", "bool", "passed every plausibility check (wide physiological ranges; empty: not checked)"),
    Column("qa_failed_checks", "str", "the plausibility checks that failed, comma-separated"),
    Column("verified", "bool", "an accepted annotation, or a model evaluated on >= 5 of this device's test images"),
    Column("test_dice", "float", "the model version's test Dice on this device (empty: not evaluated)"),
    Column("test_images", "int", "how many of this device's test images that Dice is from"),
    Column("uncertainty", "float", "the prediction's uncertainty: mean normalised entropy 0..1 (model rows)"),
]
COLUMN_NAMES = [column.name for column in COLUMNS]
LEVEL_SOURCE = Column(
    "level_source",
    "str",
    "where the series' L3 slice came from: automatic, confirmed, manual or manual_override (a hand choice the "
    "detected levels disagree with)",
)
# unit=subject: the image-level columns plus the L3 slice's provenance, right after `level`.
SUBJECT_COLUMNS: list[Column] = [
    *COLUMNS[: COLUMN_NAMES.index("level") + 1],
    LEVEL_SOURCE,
    *COLUMNS[COLUMN_NAMES.index("level") + 1 :],
]
UNITS = ("subject", "image")
DEFAULT_UNIT = "subject"


def columns_for(filters: dict) -> list[Column]:
    """The columns of an export of this filter: its unit decides (subject unless it says image)."""
    return COLUMNS if filters.get("unit") == "image" else SUBJECT_COLUMNS


# What a row is built from: one .values() query over measurements, joined to image, study, subject, device
# ({alias: field path}).
MEASUREMENT_FIELDS = {
    "measurement_id": "id",
    "image_id": "image_id",
    "source": "source",
    "annotation_revision_id": "annotation_revision_id",
    "model_version_id": "model_version_id",
    "model_version_name": "model_version__name",  # "model_version" would clash with the field
    "model_checksum": "model_version__checksum",
    "sma_cm2": "sma_cm2",
    "muscle_mean_hu": "mean_muscle_hu",
    "imat_cm2": "imat_cm2",
    "smi_cm2_m2": "smi_cm2_m2",
    "liver_area_cm2": "liver_area_cm2",
    "liver_mean_hu": "mean_liver_hu",
    "values": "values",
    "measured_at": "created_at",
    "plausible": "plausible",
    "verified": "verified",
    "qa": "qa",
    "pseudonym": "image__series__study__subject__pseudonym",
    "sex": "image__series__study__subject__sex",
    "age_years": "image__series__study__subject__age_years",
    "height_m": "image__series__study__subject__height_m",
    "weight_kg": "image__series__study__subject__weight_kg",
    "split": "image__split",
    "study_year": "image__series__study__study_year",
    "device_id": "image__device_id",
    "device": "image__device__display_name",
    "kernel": "image__series__kernel",
    "kvp": "image__series__kvp",
    "slice_thickness_mm": "image__series__slice_thickness_mm",
    "series_level_image_id": "image__series__level_image_id",
    "level_source": "image__series__level_source",
    "study_id": "image__series__study_id",
    "pixel_spacing_row_mm": "image__spacing_row_mm",
    "pixel_spacing_col_mm": "image__spacing_col_mm",
}


def _hu_range(values: dict, key: str) -> str:
    low_high = values.get(key) or []
    return f"{low_high[0]:g}..{low_high[1]:g}" if len(low_high) == 2 else ""


def _bmi(record: dict, values: dict) -> float | None:
    if values.get("bmi") is not None:
        return float(values["bmi"])
    if record["weight_kg"] and record["height_m"]:
        return record["weight_kg"] / record["height_m"] ** 2
    return None


def _qa_columns(qa: dict) -> dict:
    checks = (qa.get("plausibility") or {}).get("checks", [])
    verification = qa.get("verification") or {}
    return {
        "qa_failed_checks": ",".join(check["name"] for check in checks if check["passed"] is False),
        "test_dice": verification.get("test_dice"),
        "test_images": verification.get("test_images"),
        "uncertainty": (qa.get("uncertainty") or {}).get("score"),
    }


def flatten(record: dict) -> dict:
    """One export row from one measurement record (MEASUREMENT_FIELDS keys)."""
    values = record["values"] or {}
    row = {name: record.get(name) for name in COLUMN_NAMES}
    row["model_version"] = record["model_version_name"]
    row["bmi"] = _bmi(record, values)
    row["level"] = "L3" if record["series_level_image_id"] == record["image_id"] else ""
    row["muscle_hu_range"] = _hu_range(values, "muscle_hu_range")
    row["imat_hu_range"] = _hu_range(values, "imat_hu_range")
    row.update(_qa_columns(record["qa"] or {}))
    for flag in values.get("flags", []):
        key = (flag["name"], REFERENCE_KEYS.get(flag["reference"], ""))
        if key in FLAG_KEYS:
            prefix = f"{key[0]}_{key[1]}"
            row[prefix] = bool(flag["flagged"])
            row[f"{prefix}_threshold"] = float(flag["threshold"])
            row[f"{prefix}_rule"] = flag["rule"]
    return row
