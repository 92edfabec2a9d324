"""Data flows one way: studies -> annotations -> modelhub -> measurements -> cohorts. An app offers hooks to
the later ones and never imports them; measurements registers its work in the hooks of the three before it."""

import re
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parents[2] / "backend"
ORDER = ["studies", "annotations", "modelhub", "measurements", "cohorts"]


def _imports_of(path: Path) -> set[str]:
    return set(re.findall(r"^\s*(?:from|import) (\w+)", path.read_text(), flags=re.MULTILINE))


@pytest.mark.parametrize("app", ORDER[:-1])
def test_an_app_never_imports_the_apps_after_it(app):
    later = set(ORDER[ORDER.index(app) + 1 :])
    offenders = [
        f"{path.relative_to(BACKEND)} imports {sorted(_imports_of(path) & later)}"
        for path in (BACKEND / app).rglob("*.py")
        if _imports_of(path) & later
    ]
    assert offenders == []


def test_measurements_registers_its_hooks_when_django_starts():
    from annotations import hooks as annotation_hooks
    from measurements.services import (
        measurement_after_accept,
        measurement_after_predict,
        measurements_after_subject_update,
    )
    from modelhub import hooks as modelhub_hooks
    from studies import hooks as study_hooks

    assert measurement_after_accept in annotation_hooks._after_accept
    assert measurements_after_subject_update in study_hooks._after_subject_update
    assert measurement_after_predict in modelhub_hooks._after_predict


def test_a_subject_update_recomputes_through_the_hook(study, clinician):
    from measurements.models import Measurement
    from studies.services import subject_update_body

    subject_update_body(subject=study.subject, user=clinician, sex="F", height_m=1.6, weight_kg=None)
    for measurement in Measurement.objects.filter(image__series__study=study):
        assert measurement.values["sex"] == "F"
        assert measurement.smi_cm2_m2 == pytest.approx(measurement.sma_cm2 / 1.6**2)
