"""Exports run as jobs: progress while writing, cancellation and failure leave no file, admins see the log."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from cohorts import services
from cohorts.models import CohortDefinition, Export
from studies import storage
from tests.cohorts.helpers import export_through_api


def request_export(client, capture, format: str) -> dict:
    with capture(execute=True):
        response = client.post("/api/exports/", {"format": format}, format="json")
    return client.get(f"/api/exports/{response.json()['id']}/").json()


def test_a_zip_export_reports_progress_as_it_writes_images(
    cohort, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    reported = []
    original = services.job_progress

    def recording(**kwargs):
        reported.append(kwargs["progress"])
        return original(**kwargs)

    monkeypatch.setattr(services, "job_progress", recording)
    status, _ = export_through_api(client_for("researcher"), django_capture_on_commit_callbacks, format="zip")
    assert status["progress"] == 1.0
    assert len(reported) >= 2 and reported == sorted(reported) and reported[-1] < 1.0


def test_a_cancelled_export_publishes_no_file(cohort, client_for, django_capture_on_commit_callbacks, monkeypatch):
    calls = []
    original = services.job_progress

    def cancelled_after_the_first_report(**kwargs):  # the user cancels while images are being written
        calls.append(kwargs["progress"])
        return original(**kwargs) and len(calls) < 2

    monkeypatch.setattr(services, "job_progress", cancelled_after_the_first_report)
    status = request_export(client_for("researcher"), django_capture_on_commit_callbacks, "zip")
    assert status["state"] == "cancelled" and status["download_url"] is None
    assert storage.names_under("exports") == []


def test_a_failed_export_says_why_and_publishes_no_file(cohort, client_for, django_capture_on_commit_callbacks):
    storage.remove_quietly(next(iter(cohort.images.values())).dicom_path)
    status = request_export(client_for("researcher"), django_capture_on_commit_callbacks, "zip")
    assert status["state"] == "failed" and "No such file" in status["error"]
    assert "Traceback" not in status["error"] and status["download_url"] is None
    assert storage.names_under("exports") == []
    assert Export.objects.get().sha256 == ""


def test_an_unknown_format_is_refused(cohort, client_for):
    response = client_for("researcher").post("/api/exports/", {"format": "xlsx"}, format="json")
    assert response.status_code == 400 and "format" in response.json()
    assert not Export.objects.exists()


@pytest.mark.parametrize("path", ["/admin/cohorts/export/", "/admin/cohorts/cohortdefinition/"])
def test_admins_see_the_export_log_and_saved_cohorts(
    cohort, client_for, django_capture_on_commit_callbacks, make_user, path
):
    researcher = client_for("researcher")
    status, _ = export_through_api(researcher, django_capture_on_commit_callbacks, format="csv")
    CohortDefinition.objects.create(owner=researcher.user, name="mine", filters={"sex": "F"})
    admin = Client()
    admin.force_login(User.objects.create_superuser("operator", password="unused-password-1"))
    listing = admin.get(path)
    assert listing.status_code == 200
    if path.endswith("export/"):
        assert status["sha256"] in listing.content.decode()
        assert admin.get(f"{path}{status['id']}/change/").status_code == 200
