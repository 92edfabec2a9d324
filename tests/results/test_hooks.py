"""Data flows one way: studies and annotations offer hooks; modelhub registers its measurement work in them."""

from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parents[2] / "backend"


@pytest.mark.parametrize("app", ["studies", "annotations"])
def test_upstream_apps_never_import_modelhub(app):
    offenders = [
        str(path.relative_to(BACKEND))
        for path in (BACKEND / app).rglob("*.py")
        if "import modelhub" in path.read_text() or "from modelhub" in path.read_text()
    ]
    assert offenders == []


def test_modelhub_registers_its_hooks_when_django_starts():
    from annotations import hooks as annotation_hooks
    from modelhub.services.measurements import measurement_after_accept, measurements_after_subject_update
    from studies import hooks as study_hooks

    assert measurement_after_accept in annotation_hooks._after_accept
    assert measurements_after_subject_update in study_hooks._after_subject_update


def test_a_subject_update_recomputes_through_the_hook(study, clinician):
    from modelhub.models import Measurement
    from studies.services import subject_update_body

    subject_update_body(subject=study.subject, sex="F", height_m=1.6, weight_kg=None)
    for measurement in Measurement.objects.filter(image__series__study=study):
        assert measurement.values["sex"] == "F"
        assert measurement.smi_cm2_m2 == pytest.approx(measurement.sma_cm2 / 1.6**2)
