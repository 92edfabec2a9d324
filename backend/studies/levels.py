"""Vertebral levels of a whole series and its L3 slice.

After ingest, one job per series (on the inference queue; files sent one per request join it while it is
queued) runs the engine's detector (segmentation.levels) on every slice the series has by then, so the last
job sees the whole series. A found L3 becomes the series' L3 slice (source automatic) unless a person chose
one. A person may accept it or choose another slice: within half a vertebra of the detected L3 it is
confirmed; further away, or in a series where the detector found vertebrae but no L3, the choice stands but
is a manual override, recorded (who, when, detected vs chosen) and answered with a warning.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError
from jobs.models import Job
from jobs.services import job_create_or_join
from segmentation.levels import detect_levels

from .hooks import run_after_level_change
from .models import Image, LevelOverride, LevelSource, Series
from .reformat import reformats_write
from .stack import stack_images, stack_load

HUMAN_SOURCES = (LevelSource.CONFIRMED, LevelSource.MANUAL, LevelSource.MANUAL_OVERRIDE)


@dataclass(frozen=True)
class LevelVerdict:
    source: str
    chosen_level: str  # the detector's name for the chosen slice ("T12", "T12/L1"), "" when it has none
    distance_mm: float | None  # chosen - detected L3 z
    warning: str | None


@dataclass(frozen=True)
class LevelMark:
    series: Series
    warning: str | None


def series_levels_enqueue(*, series_id: int, image_ids: list[int], user=None) -> Job | None:
    """One level-detection job per series: new slices join it while it waits in the queue. A series of one
    slice has nothing to detect: it is told so at once, with no job (None)."""
    series = Series.objects.get(pk=series_id)
    if series.images.count() < 2:
        series_levels_detect(series=series)
        return None
    return job_create_or_join(
        kind=Job.Kind.LEVELS,
        params={"series_id": series_id, "image_ids": sorted(image_ids)},
        merge="image_ids",
        created_by=user,
        task_name="studies.tasks.series_levels_detect",
        queue="inference",
    )


def series_levels_run(*, job: Job) -> dict:
    return series_levels_detect(series=Series.objects.get(pk=job.params["series_id"]), user=job.created_by)


def series_levels_detect(*, series: Series, user=None) -> dict:
    """Detect the levels of every slice the series holds now, store them, and warm the reformat cache."""
    images, reason = stack_images(series=series)
    if not images:
        message = f"No levels: {reason}."
        stored = _levels_store(series, found=None, count=series.images.count(), message=message, user=user)
        return {"slices": 0, "stored": stored, "message": reason}
    stack = stack_load(images)
    result = detect_levels(stack.hu, stack.z_mm, stack.spacing_mm)
    found = {
        "levels": result.as_dict()["levels"],
        "l3_image": None if result.l3_index is None else images[result.l3_index],
        "l3_z_mm": result.l3_mm,
        "confidence": result.confidence,
        "anchor": result.anchor,
    }
    stored = _levels_store(series, found=found, count=len(images), message=result.message, user=user)
    reformats_write(series=series, stack=stack)
    return {"slices": len(images), "stored": stored, "message": result.message, "levels": result.names()}


def _levels_store(series: Series, *, found: dict | None, count: int, message: str, user=None) -> bool:
    """Store a detection unless one that saw more slices is stored already (two jobs of a growing series
    may finish out of order); then bring the L3 choice up to date with it, and the L3 measurement with that."""
    with transaction.atomic():
        series = Series.objects.select_for_update().get(pk=series.pk)
        if series.levels_slice_count > count:
            return False
        found = found or {}
        series.levels_detected = found.get("levels", [])
        series.levels_l3_image = found.get("l3_image")
        series.levels_l3_z_mm = found.get("l3_z_mm")
        series.levels_confidence = found.get("confidence")
        series.levels_anchor = found.get("anchor", "")
        series.levels_message = message[:300]
        series.levels_slice_count = count
        series.levels_detected_at = timezone.now()
        _choice_refresh(series)
        series.save()
        if series.level_image_id:  # a moved L3, or new slices within its reach
            run_after_level_change(series_id=series.pk, user=user)
    return True


def _choice_refresh(series: Series) -> None:
    """An automatic (or absent) L3 follows the detection; a person's choice stays, judged against it."""
    if series.level_source in HUMAN_SOURCES and series.level_image_id:
        verdict = level_choice_verdict(series=series, z_mm=series.level_z_mm)
        if verdict.source == LevelSource.MANUAL_OVERRIDE and series.level_source != LevelSource.MANUAL_OVERRIDE:
            note = " (the detection ran after the slice was chosen)"
            _override_record(series, series.level_image, series.level_marked_by, verdict, note)
        series.level_source = verdict.source
        return
    image = series.levels_l3_image
    series.level_image = image
    series.level_z_mm = series.levels_l3_z_mm if image else None
    series.level_neighbours_mm = settings.MUSCLESEED_L3_NEIGHBOURS_MM
    series.level_source = LevelSource.AUTOMATIC if image else ""
    series.level_marked_by = None
    series.level_marked_at = timezone.now() if image else None


def level_name_at(levels: list[dict], z_mm: float) -> str:
    """The detector's name for patient z: a vertebra ("L2"), a disc ("L2/L3"), or "" outside them."""
    for index, level in enumerate(levels):
        top = level["superior_mm"] if level["superior_mm"] is not None else float("inf")
        bottom = level["inferior_mm"] if level["inferior_mm"] is not None else float("-inf")
        if bottom <= z_mm <= top:
            return level["name"]
        below = levels[index + 1] if index + 1 < len(levels) else None
        if below and below["superior_mm"] is not None and below["superior_mm"] < z_mm < bottom:
            return f"{level['name']}/{below['name']}" if level["name"] and below["name"] else ""
    return ""


def level_choice_verdict(*, series: Series, z_mm: float | None) -> LevelVerdict:
    """Judge a hand-chosen L3 at patient z against the stored detection."""
    levels = series.levels_detected or []
    named = any(level["name"] for level in levels)
    if z_mm is None or not named:
        return LevelVerdict(LevelSource.MANUAL, "", None, None)
    chosen = level_name_at(levels, z_mm)
    called = chosen or "outside the vertebrae it found"
    l3 = next((level for level in levels if level["name"] == "L3"), None)
    if series.levels_l3_z_mm is not None and l3 is not None:
        half = (l3["superior_mm"] - l3["inferior_mm"]) / 2
        distance = z_mm - series.levels_l3_z_mm
        if abs(distance) <= half:
            return LevelVerdict(LevelSource.CONFIRMED, chosen, distance, None)
        where = "above" if distance > 0 else "below"
        warning = (
            f"This slice is {abs(distance):.0f} mm {where} the detected L3, more than half a vertebra "
            f"({half:.0f} mm): the detector calls it {called}. It is recorded as a manual override."
        )
        return LevelVerdict(LevelSource.MANUAL_OVERRIDE, chosen, distance, warning)
    if chosen == "L3":  # L3 cut by the series' edge, and the slice is in it
        return LevelVerdict(LevelSource.CONFIRMED, chosen, None, None)
    warning = (
        f"The detector found no L3 in this series ({series.levels_message}); it calls this slice {called}. "
        "It is recorded as a manual override."
    )
    return LevelVerdict(LevelSource.MANUAL_OVERRIDE, chosen, None, warning)


def series_level_mark(*, series: Series, image: Image | None, user) -> LevelMark:
    """Mark `image` as the series' L3 slice (None clears the mark), judged against the detected levels."""
    if image is not None and image.series_id != series.pk:
        raise ApplicationError(f"Image {image.pk} is not in series {series.pk}.", code="wrong_series")
    with transaction.atomic():
        series = Series.objects.select_for_update().get(pk=series.pk)
        verdict = None
        if image is not None:
            verdict = level_choice_verdict(series=series, z_mm=image.slice_location)
            if verdict.source == LevelSource.MANUAL_OVERRIDE:
                _override_record(series, image, user, verdict)
        series.level_image = image
        series.level_z_mm = image.slice_location if image is not None else None
        series.level_source = verdict.source if verdict else ""
        series.level_marked_by = user if image is not None else None
        series.level_marked_at = timezone.now() if image is not None else None
        series.level_neighbours_mm = settings.MUSCLESEED_L3_NEIGHBOURS_MM
        fields = ["level_image", "level_z_mm", "level_source", "level_marked_by", "level_marked_at"]
        series.save(update_fields=[*fields, "level_neighbours_mm"])
        if image is not None:
            run_after_level_change(series_id=series.pk, user=user)
    return LevelMark(series=series, warning=verdict.warning if verdict else None)


def level_window(*, series: Series) -> list[Image]:
    """The slices the study's L3 measurement is the mean of, superior first: the L3 slice and those of the
    series within +-level_neighbours_mm of it (on the stack's grid); none without an L3 slice."""
    if series.level_image_id is None:
        return []
    if not series.level_neighbours_mm or series.level_z_mm is None:
        return [series.level_image]
    images, _ = stack_images(series=series)
    reach = series.level_neighbours_mm + 1e-3
    window = [image for image in images if abs(image.slice_location - series.level_z_mm) <= reach]
    return window if any(image.pk == series.level_image_id for image in window) else [series.level_image]


def _override_record(series: Series, image: Image, user, verdict: LevelVerdict, note: str = "") -> LevelOverride:
    return LevelOverride.objects.create(
        series=series,
        marked_by=user,
        chosen_image=image,
        chosen_z_mm=image.slice_location if image else None,
        chosen_level=verdict.chosen_level,
        detected_image=series.levels_l3_image,
        detected_z_mm=series.levels_l3_z_mm,
        detected_message=series.levels_message,
        distance_mm=verdict.distance_mm,
        warning=verdict.warning + note,
    )


def level_warning(series: Series) -> str | None:
    """The standing warning of a series whose L3 is a manual override: its latest record's."""
    if series.level_source != LevelSource.MANUAL_OVERRIDE:
        return None
    latest = next(iter(series.level_overrides.all()), None)
    return latest.warning if latest else None
