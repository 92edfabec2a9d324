"""A study, series or image never gains instances of another subject; two clinicians who upload parts of one
subject's study each keep access to what they uploaded."""

import io

import pydicom
import pytest
from rest_framework.test import APIClient

from studies.models import Image, Series, Study, Subject
from tests.studies.uploads import bytes_upload

GE = "ge-lightspeed-liver-3slice"


@pytest.fixture
def clinician(make_user):
    """clinician(name) -> an APIClient for a clinician of that name (made once)."""
    made = {}

    def client(name: str) -> APIClient:
        if name not in made:
            user, _ = make_user("clinician", name)
            made[name] = APIClient()
            made[name].force_authenticate(user)
        return made[name]

    return client


def upload(client, name: str, ds) -> dict:
    buffer = io.BytesIO()
    ds.save_as(buffer)
    response = client.post("/api/studies/", {"files": [bytes_upload(name, buffer.getvalue())]}, format="multipart")
    return response


def slice_of(ct_dir, number: int, **changes):
    ds = pydicom.dcmread(ct_dir / GE / f"0{number}.dcm")
    for keyword, value in changes.items():
        setattr(ds, keyword, value)
    return ds


def test_another_patients_image_with_the_same_study_uid_is_refused_with_409_and_nothing_stored(
    clinician, ct_dir, media_root
):
    first = upload(clinician("first"), "a.dcm", slice_of(ct_dir, 1))
    assert first.status_code == 201
    files_before = sorted(p for p in media_root.rglob("*") if p.is_file())
    other_patient = slice_of(ct_dir, 2, PatientID="OTHER-PATIENT-99", SeriesInstanceUID="1.2.826.0.1.99.1")
    response = upload(clinician("other"), "b.dcm", other_patient)
    assert response.status_code == 409, response.json()
    result = response.json()["results"][0]
    assert result["code"] == "uid_collision" and "Study Instance UID" in result["reason"]
    assert result["study_id"] is None
    assert (Study.objects.count(), Series.objects.count(), Image.objects.count()) == (1, 1, 1)
    assert Subject.objects.count() == 1
    assert sorted(p for p in media_root.rglob("*") if p.is_file()) == files_before


def test_a_series_uid_already_in_another_study_is_refused(clinician, ct_dir):
    upload(clinician("first"), "a.dcm", slice_of(ct_dir, 1))
    moved = slice_of(ct_dir, 2, StudyInstanceUID="1.2.826.0.1.99.2")
    response = upload(clinician("first"), "b.dcm", moved)
    assert response.status_code == 409
    assert "Series Instance UID" in response.json()["results"][0]["reason"]
    assert Image.objects.count() == 1


def test_the_same_sop_instance_under_another_patient_is_a_collision_not_a_duplicate(clinician, ct_dir):
    upload(clinician("first"), "a.dcm", slice_of(ct_dir, 1))
    response = upload(clinician("other"), "b.dcm", slice_of(ct_dir, 1, PatientID="OTHER-PATIENT-99"))
    assert response.status_code == 409
    result = response.json()["results"][0]
    assert (result["code"], result["study_id"]) == ("uid_collision", None)


def test_two_clinicians_uploading_parts_of_one_subjects_study_each_keep_access_to_their_images(clinician, ct_dir):
    first, second = clinician("first"), clinician("second")
    assert upload(first, "a.dcm", slice_of(ct_dir, 1)).status_code == 201
    response = upload(second, "b.dcm", slice_of(ct_dir, 2))
    assert response.status_code == 201
    study_id, image_id = response.json()["results"][0]["study_id"], response.json()["results"][0]["image_id"]
    assert Study.objects.count() == 1
    assert [s["id"] for s in second.get("/api/studies/").json()["results"]] == [study_id]
    assert second.get(f"/api/studies/{study_id}/").status_code == 200
    assert second.get(f"/api/images/{image_id}/").status_code == 200
    assert [s["id"] for s in first.get("/api/studies/").json()["results"]] == [study_id]
