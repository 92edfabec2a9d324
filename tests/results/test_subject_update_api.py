"""PATCH /api/studies/{id}/subject: a clinician enters height, weight and sex; SMI, BMI and flags update."""

import pytest

from measurements.models import Measurement
from segmentation.composition import PRADO_2008, measure

from .conftest import api_client, drawn_mask, hu_of, slices


def patch(user, study, body):
    return api_client(user).patch(f"/api/studies/{study.pk}/subject", body, format="json")


def test_entering_the_height_gives_smi_and_the_sarcopenia_flag(clinician, study):
    response = patch(clinician, study, {"height_m": 1.78})
    assert response.status_code == 200 and response.json()["height_m"] == 1.78
    image = slices(study)[0]
    expected = measure(hu_of(image), drawn_mask(image), image.pixel_spacing_mm, height_m=1.78, sex="M")
    shown = api_client(clinician).get(f"/api/studies/{study.pk}/results").json()["slices"][0]["measurement"]
    assert shown["smi_cm2_m2"] == pytest.approx(expected.smi_cm2_m2)
    assert shown["smi_cm2_m2"] == pytest.approx(shown["sma_cm2"] / 1.78**2)
    sarcopenia = shown["flags"]["sarcopenia"]
    assert sarcopenia["known"] and sarcopenia["reference"] == PRADO_2008 and sarcopenia["threshold"] == 52.4
    assert sarcopenia["flagged"] == (expected.smi_cm2_m2 < 52.4)


def test_every_measurement_of_the_subject_is_recomputed(clinician, study):
    patch(clinician, study, {"height_m": 1.6, "weight_kg": 90})
    for measurement in Measurement.objects.filter(image__series__study=study):
        assert measurement.smi_cm2_m2 == pytest.approx(measurement.sma_cm2 / 1.6**2)
        assert measurement.values["bmi"] == pytest.approx(90 / 1.6**2)
        assert {f["name"] for f in measurement.values["flags"]} == {"sarcopenia", "myosteatosis"}


def test_weight_gives_bmi_and_the_myosteatosis_flag(clinician, study):
    patch(clinician, study, {"height_m": 1.7, "weight_kg": 80})
    shown = api_client(clinician).get(f"/api/studies/{study.pk}/results").json()["slices"][0]["measurement"]
    assert shown["bmi"] == pytest.approx(80 / 1.7**2)
    myosteatosis = shown["flags"]["myosteatosis"]
    assert myosteatosis["known"] and myosteatosis["rule"] == "BMI >= 25" and myosteatosis["threshold"] == 33.0


def test_correcting_the_sex_changes_the_threshold(clinician, study):
    patch(clinician, study, {"height_m": 1.7, "sex": "F"})
    shown = api_client(clinician).get(f"/api/studies/{study.pk}/results").json()["slices"][0]["measurement"]
    assert shown["flags"]["sarcopenia"]["threshold"] == 38.5 and shown["flags"]["sarcopenia"]["rule"] == "women"


def test_omitted_fields_stay_as_they_were(clinician, study):
    patch(clinician, study, {"height_m": 1.7, "weight_kg": 70})
    body = patch(clinician, study, {"weight_kg": 72}).json()
    assert (body["height_m"], body["weight_kg"], body["sex"]) == (1.7, 72, "M")


@pytest.mark.parametrize(
    "body", [{}, {"height_m": 170}, {"height_m": 0.1}, {"weight_kg": -3}, {"sex": "X"}, {"height_m": "tall"}]
)
def test_implausible_values_are_refused(clinician, study, body):
    assert patch(clinician, study, body).status_code == 400


def test_another_clinician_cannot_change_the_subject(make_user, study):
    other, _ = make_user("clinician", name="dr-other")
    assert patch(other, study, {"height_m": 1.7}).status_code == 404


@pytest.mark.parametrize("role", ["researcher", "labeller", "reviewer", "ml_lead"])
def test_other_roles_cannot_change_the_subject(make_user, study, role):
    assert patch(make_user(role)[0], study, {"height_m": 1.7}).status_code == 403


def test_an_admin_can_correct_any_subject(make_user, study):
    assert patch(make_user("admin")[0], study, {"height_m": 1.7}).status_code == 200
