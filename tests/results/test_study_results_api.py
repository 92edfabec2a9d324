"""GET /api/studies/{id}/results: per measured slice the numbers the engine gives for the same mask, where
they came from, and the flags against the configured reference."""

import pytest

from segmentation.composition import MARTIN_2013, PRADO_2008, measure

from .conftest import CHECKSUM, api_client, drawn_mask, hu_of, slices


def results(user, study):
    response = api_client(user).get(f"/api/studies/{study.pk}/results")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_numbers_match_the_engine_for_the_same_mask(clinician, study):
    image = slices(study)[0]
    expected = measure(hu_of(image), drawn_mask(image), image.pixel_spacing_mm, sex="M")
    shown = next(s for s in results(clinician, study)["slices"] if s["image_id"] == image.pk)["measurement"]
    assert shown["sma_cm2"] == pytest.approx(expected.sma_cm2)
    assert shown["mean_muscle_hu"] == pytest.approx(expected.mean_muscle_hu)
    assert shown["imat_cm2"] == pytest.approx(expected.imat_cm2)
    assert shown["liver_area_cm2"] == pytest.approx(expected.liver_area_cm2)
    assert shown["mean_liver_hu"] == pytest.approx(expected.mean_liver_hu)
    assert expected.sma_cm2 > 5 and expected.imat_cm2 > 0, "the drawn mask holds muscle and some fat"


def test_each_measured_slice_is_listed_with_its_position_in_the_series(clinician, study):
    body = results(clinician, study)
    assert [(s["index"], s["series_length"]) for s in body["slices"]] == [(0, 3), (2, 3)]
    assert body["pseudonym"] == study.subject.pseudonym


def test_a_model_measurement_names_the_version_and_its_checksum(clinician, study):
    shown = results(clinician, study)["slices"][0]["measurement"]
    assert shown["source"] == "model"
    assert shown["model_version"]["name"] == "vnet-ge-v3"
    assert shown["provenance"] == f"Model vnet-ge-v3 (sha256 {CHECKSUM[:12]})"


def test_without_height_smi_and_sarcopenia_say_what_is_missing(clinician, study):
    shown = results(clinician, study)["slices"][0]["measurement"]
    assert shown["smi_cm2_m2"] is None
    sarcopenia = shown["flags"]["sarcopenia"]
    assert sarcopenia["known"] is False and "height" in sarcopenia["reason"]
    assert sarcopenia["reference"] == PRADO_2008
    assert shown["flags"]["myosteatosis"]["reference"] == MARTIN_2013


def test_the_sarcopenia_reference_is_a_setting(clinician, study, settings):
    settings.MUSCLESEED_SARCOPENIA_REFERENCE = "Martin 2013"
    body = results(clinician, study)
    assert body["sarcopenia_reference"] == MARTIN_2013
    assert body["slices"][0]["measurement"]["flags"]["sarcopenia"]["reference"] == MARTIN_2013


def test_an_unknown_reference_setting_is_refused_by_name(clinician, study, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.MUSCLESEED_SARCOPENIA_REFERENCE = "Smith 1999"
    with pytest.raises(ImproperlyConfigured, match="Prado 2008, Martin 2013"):
        api_client(clinician).get(f"/api/studies/{study.pk}/results")


def test_a_clinician_cannot_see_another_clinicians_results(make_user, study):
    other, _ = make_user("clinician", name="dr-other")
    assert api_client(other).get(f"/api/studies/{study.pk}/results").status_code == 404


def test_a_researcher_sees_the_pseudonym_and_nothing_identifying(make_user, study):
    researcher, _ = make_user("researcher")
    body = results(researcher, study)
    assert set(body) == {
        "study_id",
        "pseudonym",
        "sarcopenia_reference",
        "myosteatosis_reference",
        "subject",
        "slices",
        "trust",
        "devices",  # scanner names, as the cohort page shows researchers
    }
    assert set(body["subject"]) == {"sex", "height_m", "weight_kg", "bmi"}
