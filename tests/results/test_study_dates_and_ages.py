"""Dates: the full study date is shown only to whoever uploaded the study; every other role, page, report and
export gets the year. Ages over 89 are 90 in the stored DICOM as in the database."""

import io

import pydicom
import pytest

import measurements.report as report
from studies import storage
from studies.models import Image, Study
from studies.services import upload_ingest
from tests.studies.uploads import bytes_upload

from .conftest import api_client

GE = "ge-lightspeed-liver-3slice"  # StudyDate 20030417, PatientAge 060Y


def listed(user) -> dict:
    (row,) = api_client(user).get("/api/studies/").json()["results"]
    return row


def test_the_uploading_clinician_sees_the_full_study_date(clinician, study):
    assert (listed(clinician)["study_date"], listed(clinician)["study_year"]) == ("2003-04-17", 2003)
    detail = api_client(clinician).get(f"/api/studies/{study.pk}/").json()
    assert (detail["study_date"], detail["study_year"]) == ("2003-04-17", 2003)


@pytest.mark.parametrize("role", ["researcher", "labeller", "reviewer", "ml_lead", "admin"])
def test_every_other_role_sees_the_year_only(study, make_user, role):
    user = make_user(role)[0]
    assert (listed(user)["study_date"], listed(user)["study_year"]) == (None, 2003)
    detail = api_client(user).get(f"/api/studies/{study.pk}/")
    assert detail.json()["study_date"] is None and detail.json()["study_year"] == 2003
    assert "2003-04-17" not in detail.content.decode()


def test_the_study_pages_show_a_researcher_the_year_only(study, make_user, client):
    client.force_login(make_user("researcher")[0])
    for url in ("/studies/", f"/studies/{study.pk}/"):
        page = client.get(url).content.decode()
        assert "2003" in page and "2003-04-17" not in page, url


def test_the_report_gives_the_full_date_to_the_uploader_and_the_year_to_others(clinician, study, make_user):
    from studies.selectors import study_list

    def date_on_report(user) -> str:
        viewed = study_list(user=user).get(pk=study.pk)
        return dict(report.report_facts(viewed))["Study date"]

    assert date_on_report(clinician) == "2003-04-17"
    assert date_on_report(make_user("admin")[0]) == "2003"


def test_an_age_over_89_is_stored_as_90_in_the_dicom_and_the_database(clinician, ct_dir):
    ds = pydicom.dcmread(ct_dir / GE / "01.dcm")
    ds.PatientAge = "095Y"
    buffer = io.BytesIO()
    ds.save_as(buffer)
    outcome = upload_ingest(files=[bytes_upload("old.dcm", buffer.getvalue())], user=clinician)[0]
    image = Image.objects.select_related("series__study__subject").get(pk=outcome.image_id)
    stored = pydicom.dcmread(io.BytesIO(storage.read_bytes(image.dicom_path)))
    assert stored.PatientAge == "090Y"
    assert image.series.study.subject.age_years == 90
    assert Study.objects.get(pk=outcome.study_id).study_year == 2003
