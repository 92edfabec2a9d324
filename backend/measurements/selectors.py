"""Reads of an image's measurements for the API (results.py holds the clinician's per-study view)."""

from studies.models import Image

from .models import Measurement


def image_measurements(*, image: Image) -> list[dict]:
    rows = Measurement.objects.filter(image=image).select_related("model_version").order_by("-created_at")
    return [
        {
            "id": m.id,
            "source": m.source,
            "model_version": {
                "id": m.model_version.id,
                "name": m.model_version.name,
                "checksum": m.model_version.checksum,
            }
            if m.model_version
            else None,
            "annotation_revision_id": m.annotation_revision_id,
            "sma_cm2": m.sma_cm2,
            "mean_muscle_hu": m.mean_muscle_hu,
            "imat_cm2": m.imat_cm2,
            "smi_cm2_m2": m.smi_cm2_m2,
            "liver_area_cm2": m.liver_area_cm2,
            "mean_liver_hu": m.mean_liver_hu,
            "values": m.values,
            "plausible": m.plausible,
            "verified": m.verified,
            "qa": m.qa,
            "created_at": m.created_at.isoformat(),
        }
        for m in rows
    ]
