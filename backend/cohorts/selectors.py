"""Reads: which measurement stands for each image, the cohort rows, the preview, exports and definitions.

One measurement per image (documented in README "Cohort export by API"):
  1. eligible measurements: an accepted annotation's current revision, or a model version's prediction;
     `source` and `model_version` filters narrow this set (drafts, submitted and rejected masks never count);
  2. per image, the accepted annotation wins; else the newest model measurement;
  3. flag filters (sarcopenia, myosteatosis) and the trust filter (qa) then apply to that chosen measurement:
     an image whose chosen measurement is implausible or unverified is left out, not replaced by another.
"""

import numpy as np
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from accounts.roles import ADMIN, has_role
from annotations.masks import mask_load
from annotations.selectors import accepted_revisions
from measurements.models import Measurement
from measurements.results import source_mask_png
from studies.models import Image

from .columns import MEASUREMENT_FIELDS, flatten
from .models import CohortDefinition, Export

PREVIEW_ROWS = 25
PLOT_POINTS_MAX = 20_000
PREVIEW_COLUMNS = (
    "image_id",
    "pseudonym",
    "sex",
    "age_years",
    "device",
    "split",
    "level",
    "sma_cm2",
    "muscle_mean_hu",
    "smi_cm2_m2",
    "sarcopenia_prado2008",
    "myosteatosis_martin2013",
    "source",
    "model_version",
    "verified",
    "plausible",
)


def _eligible_sources(filters: dict) -> Q:
    from_annotation = Q(
        source=Measurement.Source.ANNOTATION, annotation_revision_id__in=accepted_revisions(split=None).values("id")
    )
    from_model = Q(source=Measurement.Source.MODEL, model_version__isnull=False)
    if filters.get("model_version"):
        return from_model & Q(model_version_id__in=filters["model_version"])
    if filters.get("source") == "annotation":
        return from_annotation
    if filters.get("source") == "model":
        return from_model
    return from_annotation | from_model


def _image_filters(filters: dict, image: str = "image__") -> Q:
    """The filter's conditions on an image, its series, study and subject (`image`: the path to the image)."""
    subject = f"{image}series__study__subject__"
    wanted = Q()
    if filters.get("device"):
        wanted &= Q(**{f"{image}device_id__in": filters["device"]})
    if filters.get("sex"):
        wanted &= Q(**{f"{subject}sex": "" if filters["sex"] == "unknown" else filters["sex"]})
    if "age_min" in filters:
        wanted &= Q(**{f"{subject}age_years__gte": filters["age_min"]})
    if "age_max" in filters:
        wanted &= Q(**{f"{subject}age_years__lte": filters["age_max"]})
    if "year_from" in filters:
        wanted &= Q(**{f"{image}series__study__study_year__gte": filters["year_from"]})
    if "year_to" in filters:
        wanted &= Q(**{f"{image}series__study__study_year__lte": filters["year_to"]})
    if filters.get("split"):
        wanted &= Q(**{f"{image}split": filters["split"]})
    if filters.get("level") == "L3":
        wanted &= Q(**{f"{image}series__level_image_id": F(f"{image}id")})
        if filters.get("level_source"):
            wanted &= Q(**{f"{image}series__level_source__in": filters["level_source"]})
    return wanted


def eligible_measurements(*, filters: dict) -> QuerySet[Measurement]:
    """Measurements that may stand for their image, best first within each image."""
    annotation_first = Case(When(source=Measurement.Source.ANNOTATION, then=Value(0)), default=Value(1))
    return (
        Measurement.objects.filter(_eligible_sources(filters), _image_filters(filters))
        .annotate(priority=annotation_first)
        .order_by("image_id", "priority", "-created_at", "-id")
    )


def _measurement_records(filters: dict):
    same = [alias for alias, path in MEASUREMENT_FIELDS.items() if alias == path]
    renamed = {alias: F(path) for alias, path in MEASUREMENT_FIELDS.items() if alias != path}
    return eligible_measurements(filters=filters).values(*same, **renamed)


def _trust_matches(row: dict, filters: dict) -> bool:
    wanted = filters.get("qa")
    if wanted in ("plausible", "trusted") and row["plausible"] is not True:
        return False
    return not (wanted in ("verified", "trusted") and row["verified"] is not True)


def _flag_matches(row: dict, filters: dict) -> bool:
    wanted = {
        f"sarcopenia_{filters.get('sarcopenia_reference', 'prado2008')}": filters.get("sarcopenia"),
        "myosteatosis_martin2013": filters.get("myosteatosis"),
    }
    for column, choice in wanted.items():
        if choice and row[column] is not (choice == "yes"):
            return False  # a flag that does not apply (None) matches neither yes nor no
    return True


def cohort_rows(*, filters: dict) -> list[dict]:
    """The image-level rows (unit=image): one per measured image, ordered by pseudonym then image.

    Each row also carries `_measurement_id` and `_model_version_id` (not exported) to find its mask."""
    chosen, seen = [], set()
    for record in _measurement_records(filters).iterator(chunk_size=2000):
        if record["image_id"] in seen:
            continue
        seen.add(record["image_id"])
        row = flatten(record)
        if _flag_matches(row, filters) and _trust_matches(row, filters):
            row["_measurement_id"] = record["measurement_id"]
            row["_model_version_id"] = record["model_version_id"]
            row["_study_id"] = record["study_id"]
            row["level_source"] = (record["level_source"] or None) if row["level"] else None
            chosen.append(row)
    chosen.sort(key=lambda row: (row["pseudonym"] or "", row["image_id"]))
    return chosen


def subject_rows(*, filters: dict) -> list[dict]:
    """The subject-level rows (unit=subject): one per subject and study, the chosen measurement of its
    series' L3 slice (accepted annotation over the newest model measurement, as for images). A study with
    several series marked at L3 gives the first series' slice (lowest image id) that passes the filter."""
    rows, studies = [], set()
    for row in cohort_rows(filters={**filters, "level": "L3"}):
        if row["_study_id"] not in studies:
            studies.add(row["_study_id"])
            rows.append(row)
    return rows


def export_rows(*, filters: dict) -> list[dict]:
    """The rows an export or preview of this filter has: per subject and study (default) or per image."""
    return cohort_rows(filters=filters) if filters.get("unit") == "image" else subject_rows(filters=filters)


def studies_without_l3(*, filters: dict) -> dict:
    """Studies the filter selects (subject, year, device, split) with no measurement at their L3 slice,
    by pseudonym: none of their series has an L3 slice marked, or none of those slices is measured
    (from an eligible source). A study whose L3 measurement only fails the flag or trust filter is not here:
    it is measured, just left out of the cohort; nor is one whose L3 slice's source the filter does not count."""
    scope = {key: value for key, value in filters.items() if key not in ("level", "level_source")}
    studies = (
        Image.objects.filter(_image_filters(scope, image=""))
        .values("series__study_id", "series__study__subject__pseudonym", "series__study__study_year")
        .distinct()
    )
    measured = set(
        eligible_measurements(filters={**scope, "level": "L3"}).values_list("image__series__study_id", flat=True)
    )
    marked = set(
        Image.objects.filter(_image_filters({**scope, "level": "L3"}, image="")).values_list(
            "series__study_id", flat=True
        )
    )
    missing = [
        {
            "pseudonym": study["series__study__subject__pseudonym"],
            "study_year": study["series__study__study_year"],
            "reason": "L3 slice not measured" if study["series__study_id"] in marked else "no L3 slice marked",
        }
        for study in studies
        if study["series__study_id"] not in measured
    ]
    missing.sort(key=lambda entry: (entry["pseudonym"], entry["study_year"] or 0))
    return {"subjects": len({entry["pseudonym"] for entry in missing}), "studies": missing}


def cohort_preview(*, filters: dict) -> dict:
    """The live count, the first rows, and the points the page plots (SMI by sex and device, muscle HU).

    unit=subject (default): `count` is subject-study rows at L3, and `without_l3` counts and lists the
    subjects with no L3 measurement; unit=image: `count` is images, as before."""
    unit = "image" if filters.get("unit") == "image" else "subject"
    rows = export_rows(filters=filters)
    plotted = rows[:PLOT_POINTS_MAX]
    columns = [*PREVIEW_COLUMNS, "level_source"] if unit == "subject" else list(PREVIEW_COLUMNS)
    return {
        "unit": unit,
        "count": len(rows),
        "subjects": len({row["pseudonym"] for row in rows}),
        "without_l3": studies_without_l3(filters=filters) if unit == "subject" else None,
        "by_source": {source: sum(row["source"] == source for row in rows) for source in ("annotation", "model")},
        "filters": filters,
        "columns": columns,
        "rows": [{column: row[column] for column in columns} for row in rows[:PREVIEW_ROWS]],
        "points": {
            "sex": [row["sex"] or "" for row in plotted],
            "device": [row["device"] for row in plotted],
            "smi": [row["smi_cm2_m2"] for row in plotted],
            "muscle_hu": [row["muscle_mean_hu"] for row in plotted],
            "truncated": len(rows) > len(plotted),
        },
    }


def definition_list(*, user) -> QuerySet[CohortDefinition]:
    return CohortDefinition.objects.filter(owner=user)


def definition_get(*, user, definition_id: int) -> CohortDefinition:
    """Only the owner's own definitions: another user's id is a 404, not a 403."""
    return get_object_or_404(definition_list(user=user), pk=definition_id)


def export_list(*, user) -> QuerySet[Export]:
    """Admins see every export (the audit view); everyone else their own."""
    exports = Export.objects.select_related("created_by", "job")
    return exports if has_role(user, ADMIN) else exports.filter(created_by=user)


def export_get(*, user, export_id: int) -> Export:
    return get_object_or_404(export_list(user=user), pk=export_id)


def measurement_mask(*, row: dict) -> np.ndarray | None:
    """The label map a cohort row was measured on: the accepted revision's, or the model's prediction."""
    png = source_mask_png(
        source=row["source"],
        annotation_revision_id=row["annotation_revision_id"],
        model_version_id=row["_model_version_id"],
        image_id=row["image_id"],
    )
    return mask_load(png) if png is not None else None


def images_for_files(*, image_ids: list[int]) -> dict[int, Image]:
    """Internal only (stored file paths): the bundle writer reads DICOM and HU with these."""
    fields = ("id", "dicom_path", "hu_path", "spacing_row_mm", "spacing_col_mm", "orientation")
    return Image.objects.only(*fields).in_bulk(image_ids)
