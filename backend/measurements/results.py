"""Reads for a clinician's results: per measured slice the preferred measurement (an accepted annotation
over a model's prediction), its mask, where it came from, whether it can be vouched for (verified and
plausible), and the flags against the configured reference: a finding only when it can be vouched for."""

from collections import defaultdict

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from annotations.masks import mask_load
from annotations.models import AnnotationRevision
from modelhub.models import Prediction
from segmentation.composition import MARTIN_2013, PRADO_2008
from studies.levels import level_window
from studies.models import Image, Series, Study
from studies.selectors import image_order_key

from .models import Measurement

REFERENCES = (PRADO_2008, MARTIN_2013)
CHECKSUM_PREFIX = 12


def sarcopenia_reference() -> str:
    """The full name of the sarcopenia reference the setting names ("Prado 2008" -> "Prado 2008 (Lancet...)")."""
    wanted = settings.MUSCLESEED_SARCOPENIA_REFERENCE.strip().lower()
    for reference in REFERENCES:
        if reference.lower().startswith(wanted):
            return reference
    names = ", ".join(r.split(" (")[0] for r in REFERENCES)
    raise ImproperlyConfigured(f"MUSCLESEED_SARCOPENIA_REFERENCE must name one of {names}, not {wanted!r}.")


def measurement_mask_png(measurement: Measurement) -> bytes | None:
    """The label map the measurement was made from: the accepted revision's or the model's prediction."""
    return source_mask_png(
        source=measurement.source,
        annotation_revision_id=measurement.annotation_revision_id,
        model_version_id=measurement.model_version_id,
        image_id=measurement.image_id,
    )


def source_mask_png(*, source: str, annotation_revision_id, model_version_id, image_id: int) -> bytes | None:
    """The PNG label map of a measurement's source (also for rows read as values, as cohort exports do)."""
    if source == Measurement.Source.ANNOTATION:
        rows = AnnotationRevision.objects.filter(pk=annotation_revision_id)
    else:
        rows = Prediction.objects.filter(version_id=model_version_id, image_id=image_id)
    png = rows.values_list("mask_png", flat=True).first()
    return bytes(png) if png is not None else None


def measurement_mask(measurement: Measurement) -> np.ndarray | None:
    png = measurement_mask_png(measurement)
    return None if png is None else mask_load(png)


def preferred_first(measurements: list[Measurement]) -> list[Measurement]:
    """Accepted annotations first (a person checked them), then the newest."""
    newest_first = sorted(measurements, key=lambda m: (m.created_at, m.id), reverse=True)
    return sorted(newest_first, key=lambda m: m.source != Measurement.Source.ANNOTATION)


def _missing_reason(name: str, values: dict, reference: str) -> str:
    if name == "myosteatosis":
        if values.get("mean_muscle_hu") is None:
            return "no muscle pixels in the muscle HU range"
        return "needs the BMI: height and weight"
    if values.get("smi_cm2_m2") is None:
        return "needs the height (for SMI)"
    if values.get("sex") not in ("M", "F"):
        return "needs the sex"
    if reference == MARTIN_2013 and values.get("bmi") is None:
        return "needs the weight (BMI) for men"
    return "not computed"


def flag_summary(values: dict, *, name: str, reference: str, trust: dict | None = None) -> dict:
    """The flag of this name against this reference, or why it could not be decided. `finding` says whether it
    may be read as a finding: only from a verified, plausible measurement."""
    for flag in values.get("flags", []):
        if flag["name"] == name and flag["reference"] == reference:
            finding = trust is None or trust["status"] == "verified"
            reason = "" if finding else f"not a finding: {trust['summary']}"
            return {**flag, "known": True, "finding": finding, "reason": reason}
    reason = values.get("flags_withheld") or _missing_reason(name, values, reference)
    return {"name": name, "reference": reference, "known": False, "finding": False, "flagged": None, "reason": reason}


def trust_summary(measurement: Measurement) -> dict:
    """Whether the numbers can be vouched for, in plain words: status "verified" (a finding), "unverified"
    (the mask's model was not evaluated on enough of this device's test images) or "implausible" (a check
    failed; flags withheld)."""
    qa = measurement.qa or {}
    checks = (qa.get("plausibility") or {}).get("checks", [])
    failed = [check for check in checks if check["passed"] is False]
    verification = qa.get("verification") or {}
    warnings = [f"{check['name']}: {check['message']}" for check in failed]
    if measurement.plausible is None:
        warnings.append("not checked: measured before the plausibility checks existed")
    if not measurement.verified:
        warnings.insert(0, verification.get("reason") or "unverified: measured before verification was recorded")
    if failed or measurement.plausible is None:
        status, summary = (
            "implausible",
            "implausible measurement (checks failed: "
            + (", ".join(check["name"] for check in failed) or "not checked")
            + ")",
        )
    elif not measurement.verified:
        status, summary = "unverified", "unverified model on this scanner"
    else:
        status, summary = "verified", verification.get("reason", "")
    return {
        "status": status,
        "verified": measurement.verified,
        "plausible": measurement.plausible,
        "summary": summary,
        "warnings": warnings,
        "failed_checks": [check["name"] for check in failed],
        "checks": checks,
        "verification": verification or None,
        "uncertainty": qa.get("uncertainty"),
    }


def provenance(measurement: Measurement, revision_numbers: dict[int, int]) -> str:
    if measurement.source == Measurement.Source.ANNOTATION:
        number = revision_numbers.get(measurement.annotation_revision_id)
        return f"Accepted annotation (revision {number})" if number else "Accepted annotation"
    version = measurement.model_version
    return f"Model {version.name} (sha256 {version.checksum[:CHECKSUM_PREFIX] or 'unknown'})"


def measurement_as_dict(measurement: Measurement, revision_numbers: dict[int, int]) -> dict:
    values = measurement.values or {}
    version = measurement.model_version
    trust = trust_summary(measurement)
    return {
        "id": measurement.id,
        "image_id": measurement.image_id,
        "source": measurement.source,
        "provenance": provenance(measurement, revision_numbers),
        "model_version": {
            "id": version.id,
            "name": version.name,
            "checksum": version.checksum,
            "checksum_prefix": version.checksum[:CHECKSUM_PREFIX],
        }
        if version
        else None,
        "annotation_revision_id": measurement.annotation_revision_id,
        "annotation_revision_number": revision_numbers.get(measurement.annotation_revision_id),
        "sma_cm2": measurement.sma_cm2,
        "mean_muscle_hu": measurement.mean_muscle_hu,
        "imat_cm2": measurement.imat_cm2,
        "smi_cm2_m2": measurement.smi_cm2_m2,
        "liver_area_cm2": measurement.liver_area_cm2,
        "mean_liver_hu": measurement.mean_liver_hu,
        "bmi": values.get("bmi"),
        "trust": trust,
        "flags": {
            "sarcopenia": flag_summary(values, name="sarcopenia", reference=sarcopenia_reference(), trust=trust),
            "myosteatosis": flag_summary(values, name="myosteatosis", reference=MARTIN_2013, trust=trust),
        },
        "muscle_hu_range": values.get("muscle_hu_range"),
        "imat_hu_range": values.get("imat_hu_range"),
        "mask_url": f"/api/images/{measurement.image_id}/measurement-mask?measurement={measurement.id}",
        "created_at": measurement.created_at.isoformat(),
    }


def _revision_numbers(measurements) -> dict[int, int]:
    ids = [m.annotation_revision_id for m in measurements if m.annotation_revision_id]
    return dict(AnnotationRevision.objects.filter(pk__in=ids).values_list("id", "number"))


def study_results(*, study: Study) -> dict:
    """Every measured or L3-marked slice of the study, the marked ones first, each with its measurements."""
    images = list(Image.objects.filter(series__study=study).select_related("series", "device"))
    measurements = list(Measurement.objects.filter(image__series__study=study).select_related("model_version"))
    by_image: dict[int, list[Measurement]] = defaultdict(list)
    for measurement in measurements:
        by_image[measurement.image_id].append(measurement)
    revision_numbers = _revision_numbers(measurements)
    positions = _positions(images)
    slices = [
        _slice(image, positions[image.id], preferred_first(by_image[image.id]), revision_numbers)
        for image in sorted(images, key=lambda i: (i.series_id, image_order_key(i)))
        if by_image[image.id] or image.series.level_image_id == image.id
    ]
    slices.sort(key=lambda s: s["level"] is None)  # stable: the marked slices first, each series in order
    for slice_ in slices:
        if slice_["level"]:
            series = next(image.series for image in images if image.id == slice_["image_id"])
            slice_["l3_measurement"] = l3_measurement(series=series, by_image=by_image)
    subject = study.subject
    body = {"sex": subject.sex, "height_m": subject.height_m, "weight_kg": subject.weight_kg}
    bmi = subject.weight_kg / subject.height_m**2 if subject.weight_kg and subject.height_m else None
    shown = [s["measurement"]["trust"]["status"] for s in slices if s["measurement"]]
    return {
        "study_id": study.id,
        "pseudonym": subject.pseudonym,
        "trust": {status: shown.count(status) for status in ("verified", "unverified", "implausible")},
        "sarcopenia_reference": sarcopenia_reference(),
        "myosteatosis_reference": MARTIN_2013,
        "subject": {**body, "bmi": bmi},
        "devices": sorted({image.device.display_name for image in images}),
        "slices": slices,
    }


def _positions(images: list[Image]) -> dict[int, tuple[int, int]]:
    """Image id -> (index in its series as the viewer scrolls it, series length)."""
    by_series: dict[int, list[Image]] = defaultdict(list)
    for image in images:
        by_series[image.series_id].append(image)
    positions = {}
    for members in by_series.values():
        for index, image in enumerate(sorted(members, key=image_order_key)):
            positions[image.id] = (index, len(members))
    return positions


def _slice(image: Image, position: tuple[int, int], measurements: list[Measurement], revision_numbers) -> dict:
    rows = [measurement_as_dict(m, revision_numbers) for m in measurements]
    return {
        "image_id": image.id,
        "series_id": image.series_id,
        "index": position[0],
        "series_length": position[1],
        "device": image.device.display_name,
        "slice_location": image.slice_location,
        "level": "L3" if image.series.level_image_id == image.id else None,
        # automatic | confirmed | manual | manual_override (a hand choice the detected levels disagree with)
        "level_source": image.series.level_source or None if image.series.level_image_id == image.id else None,
        "measurement": rows[0] if rows else None,
        "other_measurements": rows[1:],
    }


L3_AVERAGED = ("sma_cm2", "smi_cm2_m2", "mean_muscle_hu", "imat_cm2")


def l3_measurement(*, series: Series, by_image: dict[int, list[Measurement]]) -> dict:
    """The study's measurement at L3: the mean over the L3 slice and its neighbours within +-N mm (N recorded
    on the series when its L3 was chosen; 0: the L3 slice alone) of each slice's preferred measurement, with
    the slices it averages. `complete` is false while some of them wait for their measurement."""
    window = level_window(series=series)
    chosen = {image.id: (preferred_first(by_image.get(image.id, [])) or [None])[0] for image in window}
    measured = [m for m in chosen.values() if m is not None]
    means = {}
    for name in L3_AVERAGED:
        values = [getattr(m, name) for m in measured if getattr(m, name) is not None]
        means[name] = float(np.mean(values)) if values else None
    return {
        "neighbours_mm": series.level_neighbours_mm,
        "slices": [
            {
                "image_id": image.id,
                "slice_location": image.slice_location,
                "measurement_id": chosen[image.id].id if chosen[image.id] else None,
            }
            for image in window
        ],
        "measured": len(measured),
        "complete": len(measured) == len(window),
        **means,
    }
