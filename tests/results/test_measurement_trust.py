"""Every measurement says whether it can be vouched for: its model version was evaluated on enough of this
device's test images (verified), and it passes the plausibility checks. No flag from an empty mask; the API
says "unverified" and which checks failed."""

import numpy as np

from measurements.models import Measurement
from modelhub.hooks import run_after_evaluate
from modelhub.models import Evaluation
from studies.services import subject_update_body

from .conftest import api_client, model_measurement, slices


def shown(clinician, study, image) -> dict:
    body = api_client(clinician).get(f"/api/studies/{study.pk}/results").json()
    return next(s for s in body["slices"] if s["image_id"] == image.pk)["measurement"]


def test_a_model_never_evaluated_on_the_device_is_unverified_in_the_api(clinician, study):
    image = slices(study)[0]
    measurement = shown(clinician, study, image)
    trust = measurement["trust"]
    assert trust["status"] == "unverified" and trust["verified"] is False and trust["plausible"] is True
    assert trust["warnings"][0] == f"unverified: vnet-ge-v3 was never evaluated on {image.device.display_name}"
    assert trust["verification"]["test_images"] == 0 and trust["verification"]["test_dice"] is None
    body = api_client(clinician).get(f"/api/studies/{study.pk}/results").json()
    assert body["trust"] == {"verified": 0, "unverified": 2, "implausible": 0}


def test_an_unverified_flag_is_shown_but_is_not_a_finding(clinician, study):
    subject_update_body(subject=study.subject, user=clinician, sex="M", height_m=1.9, weight_kg=None)
    image = slices(study)[0]
    sarcopenia = shown(clinician, study, image)["flags"]["sarcopenia"]
    assert sarcopenia["known"] is True and sarcopenia["finding"] is False
    assert sarcopenia["reason"] == "not a finding: unverified model on this scanner"


def test_a_version_evaluated_on_fewer_than_five_test_images_stays_unverified(clinician, study, version):
    image = slices(study)[0]
    Evaluation.objects.create(version=version, device=image.device, images=4, dice_mean=0.93, dice_sd=0.01)
    run_after_evaluate(version_id=version.pk)
    trust = shown(clinician, study, image)["trust"]
    assert trust["status"] == "unverified" and "only 4 test image(s)" in trust["warnings"][0]


def test_an_evaluation_on_five_test_images_verifies_the_measurements_already_made(clinician, study, version):
    image = slices(study)[0]
    Evaluation.objects.create(version=version, device=image.device, images=5, dice_mean=0.93, dice_sd=0.01)
    run_after_evaluate(version_id=version.pk)  # what model_version_evaluate does once it has written its rows
    trust = shown(clinician, study, image)["trust"]
    assert trust["status"] == "verified" and trust["warnings"] == []
    assert trust["verification"]["test_dice"] == 0.93 and trust["verification"]["test_images"] == 5
    assert Measurement.objects.filter(image__series__study=study, verified=True).count() == 2


def test_an_empty_mask_has_no_flags_and_is_implausible(clinician, study, version):
    study.subject.sex, study.subject.height_m, study.subject.weight_kg = "F", 1.6, 60.0
    study.subject.save()
    image = slices(study)[1]  # not measured yet
    empty = np.zeros((image.rows, image.columns), np.uint8)
    measurement = model_measurement(image, version, mask=empty)
    assert measurement.plausible is False and measurement.values["flags"] == []
    result = shown(clinician, study, image)
    assert result["sma_cm2"] == 0 and result["trust"]["status"] == "implausible"
    assert result["trust"]["failed_checks"] == ["mask_size"]
    assert any("the muscle mask is empty" in warning for warning in result["trust"]["warnings"])
    for name in ("sarcopenia", "myosteatosis"):
        flag = result["flags"][name]
        assert flag["known"] is False and flag["flagged"] is None and flag["finding"] is False
        assert flag["reason"] == "implausible measurement (failed: mask_size)"


def test_the_image_measurements_api_carries_the_qa(clinician, study):
    image = slices(study)[0]
    rows = api_client(clinician).get(f"/api/images/{image.pk}/measurements").json()
    qa = rows[0]["qa"]
    assert rows[0]["verified"] is False and rows[0]["plausible"] is True
    sources = {check["name"]: check["source"] for check in qa["plausibility"]["checks"]}
    assert "van der Werf 2018" in sources["sma_cm2"] and "Mitsiopoulos 1998" in sources["muscle_in_bone"]
