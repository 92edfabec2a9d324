"""A clinician cannot reach another clinician's subject by uploading its patient's identifiers, cannot change
the demographics of a subject whose images they do not all see, and every demographic change is recorded."""

import io

import pydicom
import pytest

from measurements.models import Measurement
from studies.models import Study, SubjectChange
from studies.services import upload_ingest
from tests.studies.uploads import bytes_upload

from .conftest import api_client

GE = "ge-lightspeed-liver-3slice"


def patch(user, study, body):
    return api_client(user).patch(f"/api/studies/{study.pk}/subject", body, format="json")


def upload_slice(user, ct_dir, **changes) -> Study:
    ds = pydicom.dcmread(ct_dir / GE / "02.dcm")
    for keyword, value in changes.items():
        setattr(ds, keyword, value)
    buffer = io.BytesIO()
    ds.save_as(buffer)
    outcome = upload_ingest(files=[bytes_upload("fabricated.dcm", buffer.getvalue())], user=user)[0]
    assert outcome.status == "stored", outcome
    return Study.objects.get(pk=outcome.study_id)


@pytest.fixture
def intruder(make_user):
    return make_user("clinician", name="dr-intruder")[0]


def fabricated_study(intruder, ct_dir) -> Study:
    """dr-intruder's own CT file carrying dr-lee's patient's PatientID (99000), in a study of its own."""
    return upload_slice(
        intruder,
        ct_dir,
        StudyInstanceUID="1.2.826.0.1.3680043.99.1",
        SeriesInstanceUID="1.2.826.0.1.3680043.99.2",
        SOPInstanceUID="1.2.826.0.1.3680043.99.3",
    )


def test_another_patients_identifiers_give_a_clinician_a_subject_of_their_own(clinician, intruder, study, ct_dir):
    theirs = fabricated_study(intruder, ct_dir)
    assert theirs.subject_id != study.subject_id
    shown = api_client(intruder).get(f"/api/studies/{theirs.pk}/").json()["pseudonym"]
    assert shown != study.subject.pseudonym  # the pseudonym researchers see for dr-lee's patient stays unknown


def test_editing_that_subject_leaves_the_other_clinicians_measurements_alone(clinician, intruder, study, ct_dir):
    before = sorted(Measurement.objects.filter(image__series__study=study).values_list("id", "smi_cm2_m2"))
    theirs = fabricated_study(intruder, ct_dir)
    assert patch(intruder, theirs, {"height_m": 1.2, "sex": "F"}).status_code == 200
    study.subject.refresh_from_db()
    assert (study.subject.height_m, study.subject.sex) == (None, "M")
    assert sorted(Measurement.objects.filter(image__series__study=study).values_list("id", "smi_cm2_m2")) == before


def test_a_clinician_who_added_images_to_another_clinicians_study_cannot_change_its_subject(
    clinician, intruder, study, ct_dir
):
    joined = upload_slice(intruder, ct_dir, SOPInstanceUID="1.2.826.0.1.3680043.99.4")
    assert joined.pk == study.pk  # the same study: the second clinician holds real images of it
    response = patch(intruder, study, {"height_m": 1.2})
    assert response.status_code == 403 and response.json()["code"] == "subject_not_yours"
    study.subject.refresh_from_db()
    assert study.subject.height_m is None and not SubjectChange.objects.exists()
    assert patch(clinician, study, {"height_m": 1.7}).status_code == 200  # dr-lee sees every image of it


def test_every_demographic_edit_is_recorded_with_who_when_and_the_old_and_new_values(clinician, study):
    patch(clinician, study, {"height_m": 1.7, "weight_kg": 70})
    patch(clinician, study, {"height_m": 1.72, "weight_kg": 70, "sex": "M"})  # unchanged values are not recorded
    changes = list(SubjectChange.objects.filter(subject=study.subject).order_by("id"))
    recorded = [(c.field, c.old_value, c.new_value, c.changed_by.username, c.source) for c in changes]
    assert recorded == [
        ("height_m", "", "1.7", "dr-lee", "edit"),
        ("weight_kg", "", "70.0", "dr-lee", "edit"),
        ("height_m", "1.7", "1.72", "dr-lee", "edit"),
    ]
    assert all(c.changed_at is not None for c in changes)


def test_the_admin_shows_a_subjects_changes_and_cannot_alter_them(clinician, study, client):
    from django.contrib.auth.models import User

    patch(clinician, study, {"height_m": 1.7})
    client.force_login(User.objects.create_superuser("operator", password="unused-password-1"))
    page = client.get(f"/admin/studies/subject/{study.subject_id}/change/").content.decode()
    assert "height_m" in page and "1.7" in page and "dr-lee" in page
    change = SubjectChange.objects.get()
    assert client.post(f"/admin/studies/subjectchange/{change.pk}/delete/", {"post": "yes"}).status_code == 403
