"""Who may filter and export, who may download, what an export logs, and what a researcher never sees."""

import hashlib
import io
import json
import zipfile

import pytest
from rest_framework.test import APIClient

from cohorts.models import Export
from jobs.models import Job
from tests.cohorts.helpers import export_through_api

NOT_EXPORTERS = ("clinician", "labeller", "reviewer")


@pytest.mark.parametrize("role", NOT_EXPORTERS)
def test_roles_outside_research_cannot_preview_or_export(cohort, client_for, role):
    client = client_for(role)
    assert client.get("/api/cohorts/preview").status_code == 403
    assert client.post("/api/exports/", {"format": "csv"}, format="json").status_code == 403
    assert not Export.objects.exists()


@pytest.mark.parametrize("role", ["researcher", "ml_lead", "admin"])
def test_researchers_ml_leads_and_admins_may_export(cohort, client_for, role, django_capture_on_commit_callbacks):
    status, _ = export_through_api(client_for(role), django_capture_on_commit_callbacks, format="csv")
    assert status["row_count"] == len(cohort.accepted) + len(cohort.model_only)


def test_an_export_is_logged_with_who_the_filter_the_row_count_and_the_files_hash(
    cohort, client_for, django_capture_on_commit_callbacks
):
    researcher = client_for("researcher")
    status, content = export_through_api(
        researcher, django_capture_on_commit_callbacks, format="parquet", filters={"source": "model"}
    )
    export = Export.objects.get()
    assert export.created_by == researcher.user and export.format == "parquet"
    assert export.filters == {"unit": "image", "source": "model"} and export.row_count == status["row_count"] > 0
    assert export.sha256 == hashlib.sha256(content).hexdigest() == status["sha256"]
    assert export.job.kind == Job.Kind.EXPORT and export.job.queue == "default" and export.job.state == "succeeded"


def test_the_download_belongs_to_its_owner_and_admins_only(cohort, make_user, django_capture_on_commit_callbacks):
    clients = {}
    for role, name in [("researcher", "owner"), ("researcher", "other"), ("ml_lead", "lead"), ("admin", "boss")]:
        clients[name] = APIClient()
        clients[name].force_authenticate(make_user(role, name)[0])
    status, _ = export_through_api(clients["owner"], django_capture_on_commit_callbacks, format="csv")
    url = status["download_url"]
    assert clients["other"].get(url).status_code == 404
    assert clients["lead"].get(url).status_code == 404
    assert clients["boss"].get(url).status_code == 200
    assert APIClient().get(url).status_code == 401


def test_the_export_list_shows_ones_own_and_admins_see_all(cohort, make_user, django_capture_on_commit_callbacks):
    people = {}
    for role, name in [("researcher", "ann"), ("ml_lead", "bob"), ("admin", "cat")]:
        people[name] = APIClient()
        people[name].force_authenticate(make_user(role, name)[0])
    for name in ("ann", "bob"):
        export_through_api(people[name], django_capture_on_commit_callbacks, format="csv")
    assert [e["created_by"] for e in people["ann"].get("/api/exports/").json()] == ["ann"]
    assert [e["created_by"] for e in people["bob"].get("/api/exports/").json()] == ["bob"]
    assert sorted(e["created_by"] for e in people["cat"].get("/api/exports/").json()) == ["ann", "bob"]


def test_a_researcher_sees_pseudonyms_only_never_names_ids_or_file_paths(
    cohort, client_for, django_capture_on_commit_callbacks
):
    researcher = client_for("researcher")
    _, content = export_through_api(researcher, django_capture_on_commit_callbacks, format="zip")
    archive = zipfile.ZipFile(io.BytesIO(content))
    texts = [researcher.get("/api/cohorts/preview", {"unit": "image"}).content, researcher.get("/api/exports/").content]
    texts += [archive.read(name) for name in archive.namelist()]
    identifiers = [e["subject"]["patient_name"] for e in cohort.manifest["images"]]
    identifiers += [e["subject"]["subject_id"] for e in cohort.manifest["images"]]
    identifiers += [e["subject"]["patient_name"].replace("^", " ") for e in cohort.manifest["images"]]
    identifiers += [e["subject"]["birth_date"] for e in cohort.manifest["images"]]
    identifiers += [image.dicom_path for image in cohort.images.values()] + ["hu_path", "dicom_path", ".npy"]
    for text in texts:
        for identifier in identifiers:
            assert identifier.encode() not in text, f"{identifier!r} leaked"
    manifest = json.loads(archive.read("manifest.json"))
    pseudonyms = {image.series.study.subject.pseudonym for image in cohort.images.values()}
    assert {entry["pseudonym"] for entry in manifest["images"]} <= pseudonyms


def test_a_researcher_never_gets_anyones_draft(cohort, client_for, django_capture_on_commit_callbacks):
    researcher = client_for("researcher")
    _, content = export_through_api(researcher, django_capture_on_commit_callbacks, format="zip")
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("manifest.json"))
    assert cohort.draft not in {entry["image_id"] for entry in manifest["images"]}
    preview = researcher.get("/api/cohorts/preview", {"unit": "image", "source": "annotation"}).json()
    assert cohort.draft not in {row["image_id"] for row in preview["rows"]}


def test_a_download_before_the_file_is_written_is_refused_with_409(cohort, client_for):
    researcher = client_for("researcher")
    export_id = researcher.post("/api/exports/", {"format": "csv"}, format="json").json()["id"]  # job not yet run
    assert researcher.get(f"/api/exports/{export_id}/").json()["state"] == "queued"
    assert researcher.get(f"/api/exports/{export_id}/download").status_code == 409


def test_a_download_answers_any_accept_header(cohort, client_for, django_capture_on_commit_callbacks):
    researcher = client_for("researcher")
    status, _ = export_through_api(researcher, django_capture_on_commit_callbacks, format="csv")
    response = researcher.get(status["download_url"], HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == f'attachment; filename="muscleseed-cohort-{status["id"]}.csv"'


def test_the_whole_export_works_by_api_token(cohort, make_user, django_capture_on_commit_callbacks):
    from rest_framework.authtoken.models import Token

    user, _ = make_user("researcher", "scripted")
    api = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    preview = api.get("/api/cohorts/preview", {"unit": "image", "source": "model"}).json()
    assert preview["count"] == len(cohort.model_masks)
    status, content = export_through_api(api, django_capture_on_commit_callbacks, format="csv", filters={"sex": "F"})
    assert status["created_by"] == "scripted" and content.startswith(b"image_id,pseudonym,")
