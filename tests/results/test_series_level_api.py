"""PUT /api/series/{id}/level: a clinician or labeller marks the L3 slice; its measurement comes first."""

import pytest

from studies.models import Series

from .conftest import api_client, slices


def mark(user, series_id, image_id):
    return api_client(user).put(f"/api/series/{series_id}/level", {"image_id": image_id}, format="json")


def test_the_mark_persists_on_the_series(clinician, study):
    image = slices(study)[2]
    response = mark(clinician, image.series_id, image.pk)
    assert response.status_code == 200 and response.json()["level"] == "L3"
    series = Series.objects.get(pk=image.series_id)
    assert series.level_image_id == image.pk and series.level_marked_by == clinician
    detail = api_client(clinician).get(f"/api/studies/{study.pk}/").json()
    assert detail["series"][0]["level_image_id"] == image.pk


def test_the_marked_slice_is_listed_first(clinician, study):
    last = slices(study)[2]
    mark(clinician, last.series_id, last.pk)
    listed = api_client(clinician).get(f"/api/studies/{study.pk}/results").json()["slices"]
    assert [s["image_id"] for s in listed][0] == last.pk
    assert listed[0]["level"] == "L3" and listed[1]["level"] is None


def test_a_marked_slice_without_a_measurement_is_listed_as_not_measured(clinician, study):
    middle = slices(study)[1]
    mark(clinician, middle.series_id, middle.pk)
    first = api_client(clinician).get(f"/api/studies/{study.pk}/results").json()["slices"][0]
    assert first["image_id"] == middle.pk and first["measurement"] is None


def test_null_clears_the_mark(clinician, study):
    image = slices(study)[0]
    mark(clinician, image.series_id, image.pk)
    assert mark(clinician, image.series_id, None).json()["level"] is None
    assert Series.objects.get(pk=image.series_id).level_image_id is None


def test_an_image_of_another_series_is_refused(clinician, study, make_image_elsewhere):
    response = mark(clinician, slices(study)[0].series_id, make_image_elsewhere.pk)
    assert response.status_code == 400 and response.json()["code"] == "wrong_series"


def test_a_labeller_may_mark(make_user, study):
    image = slices(study)[1]
    assert mark(make_user("labeller")[0], image.series_id, image.pk).status_code == 200


@pytest.mark.parametrize("role", ["researcher", "reviewer", "ml_lead"])
def test_other_roles_may_not(make_user, study, role):
    image = slices(study)[1]
    assert mark(make_user(role)[0], image.series_id, image.pk).status_code == 403


def test_another_clinician_cannot_mark(make_user, study):
    other, _ = make_user("clinician", name="dr-other")
    image = slices(study)[1]
    assert mark(other, image.series_id, image.pk).status_code == 404


@pytest.fixture
def make_image_elsewhere(make_user, ct_dir):
    from studies.models import Image
    from studies.services import upload_ingest
    from tests.studies.uploads import named_upload

    uploader, _ = make_user("clinician", name="dr-elsewhere")
    outcome = upload_ingest(files=[named_upload(ct_dir / "single-slices" / "ge-ct-small-128.dcm")], user=uploader)[0]
    return Image.objects.get(pk=outcome.image_id)
