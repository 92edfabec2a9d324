"""Measurements: of every new model prediction, of every accepted annotation, and recomputed when the
subject's height, weight or sex change (SMI, BMI and the flags depend on them). Each is registered as a hook
of the app upstream (modelhub, annotations, studies) in AppConfig.ready()."""

import logging

import numpy as np
from django.db import transaction

from annotations.masks import mask_load
from annotations.models import AnnotationRevision
from modelhub.models import ModelVersion, Prediction
from segmentation.composition import MUSCLE_LABEL, measure
from segmentation.plausibility import plausibility
from studies import storage
from studies.models import Image

from .models import Measurement
from .qa import uncertainty_summary, verification
from .results import measurement_mask

logger = logging.getLogger(__name__)


def composition_fields(*, image: Image, hu: np.ndarray, mask: np.ndarray) -> dict:
    """The engine's composition of one slice with the subject's body as stored now, and its plausibility checks,
    as Measurement fields. An implausible measurement keeps its numbers but gets no flags: no finding comes
    from an empty or broken mask."""
    subject = image.series.study.subject
    composition = measure(
        hu,
        mask,
        image.pixel_spacing_mm,
        height_m=subject.height_m,
        sex=subject.sex or None,
        weight_kg=subject.weight_kg,
    )
    values = composition.as_dict()
    checks = plausibility(hu, mask, composition)
    if not checks.plausible:
        values["flags"], values["references"] = [], []
        values["flags_withheld"] = f"implausible measurement (failed: {', '.join(checks.failed)})"
    return {
        "plausible": checks.plausible,
        "plausibility": checks.as_dict(),
        "sma_cm2": composition.sma_cm2,
        "mean_muscle_hu": values.get("mean_muscle_hu"),
        "imat_cm2": values.get("imat_cm2"),
        "smi_cm2_m2": values.get("smi_cm2_m2"),
        "liver_area_cm2": values.get("liver_area_cm2"),
        "mean_liver_hu": values.get("mean_liver_hu"),
        "values": values,
    }


def measurement_record(
    *,
    image: Image,
    hu: np.ndarray,
    mask: np.ndarray,
    model_version: ModelVersion | None = None,
    annotation_revision_id: int | None = None,
    prediction: Prediction | None = None,
) -> Measurement:
    fields = composition_fields(image=image, hu=hu, mask=mask)
    checked = verification(image=image, model_version=model_version)
    fields["qa"] = {
        "plausibility": fields.pop("plausibility"),
        "verification": checked,
        "uncertainty": uncertainty_summary(prediction=prediction),
    }
    fields["verified"] = checked["verified"]
    if model_version is not None:  # one per image and version: predicting again replaces it
        measurement, _ = Measurement.objects.update_or_create(
            image=image, model_version=model_version, source=Measurement.Source.MODEL, defaults=fields
        )
        return measurement
    return Measurement.objects.create(
        image=image,
        source=Measurement.Source.ANNOTATION,
        annotation_revision_id=annotation_revision_id,
        **fields,
    )


def measurement_after_predict(*, prediction: Prediction, hu: np.ndarray, mask: np.ndarray) -> Measurement:
    """Measure a model's new prediction (modelhub's after-predict hook)."""
    return measurement_record(
        image=prediction.image, hu=hu, mask=mask, model_version=prediction.version, prediction=prediction
    )


def measurement_after_accept(*, annotation_id: int, revision_id: int) -> Measurement | None:
    """Measure an accepted body-composition mask (once per revision); other label sets measure nothing."""
    revision = (
        AnnotationRevision.objects.select_related("annotation__label_set", "annotation__image__series__study__subject")
        .filter(pk=revision_id, annotation_id=annotation_id)
        .first()
    )
    if revision is None or revision.annotation.label_set.names_by_value.get(MUSCLE_LABEL) != "muscle":
        return None
    existing = Measurement.objects.filter(source=Measurement.Source.ANNOTATION, annotation_revision_id=revision_id)
    if existing.exists():
        return existing.first()
    image = revision.annotation.image
    try:
        hu = np.asarray(storage.hu_load(image.hu_path))
    except OSError:
        logger.warning("image %s has no readable pixels: its accepted mask is not measured", image.pk)
        return None
    return measurement_record(image=image, hu=hu, mask=mask_load(revision.mask_png), annotation_revision_id=revision_id)


def measurements_after_subject_update(*, subject_id: int) -> int:
    """Recompute every measurement of this subject's images; returns how many changed."""
    measurements = (
        Measurement.objects.filter(image__series__study__subject_id=subject_id)
        .select_related("image__series__study__subject")
        .order_by("image_id", "id")
    )
    recomputed, hu, hu_image_id = 0, None, None
    with transaction.atomic():
        for measurement in measurements:
            mask = measurement_mask(measurement)
            if mask is None:  # its prediction or revision is gone: keep the numbers it had
                continue
            if hu_image_id != measurement.image_id:
                hu, hu_image_id = np.asarray(storage.hu_load(measurement.image.hu_path)), measurement.image_id
            fields = composition_fields(image=measurement.image, hu=hu, mask=mask)
            fields["qa"] = {**measurement.qa, "plausibility": fields.pop("plausibility")}
            Measurement.objects.filter(pk=measurement.pk).update(**fields)
            recomputed += 1
    return recomputed
