"""Files uploaded one per request (as the upload page sends them) make one post-processing job and one
inference job per batch while those jobs wait in the queue, not one per file; each job does only the new
images, so a study is never predicted twice by the same version."""

import pytest

from jobs import services as job_services
from jobs.models import Job
from jobs.runner import run_claimed
from modelhub.models import Prediction
from modelhub.services.inference import inference_run
from modelhub.services.versions import model_version_import
from studies.services import study_postprocess
from tests.modelhub.factories import tiny_checkpoint
from tests.studies.uploads import named_upload

GE = "ge-lightspeed-liver-3slice"


@pytest.fixture
def active_model(tmp_path, db):
    return model_version_import(path=tiny_checkpoint(tmp_path / "tiny.pt"), name="tiny-base", activate=True)


def upload_one_per_request(client, ct_dir, capture, names=("01", "02", "03")) -> list[int]:
    ids = []
    for name in names:
        with capture(execute=True):
            response = client.post("/api/studies/", {"files": [named_upload(ct_dir / GE / f"{name}.dcm")]})
        assert response.status_code == 201, response.json()
        ids += [r["image_id"] for r in response.json()["results"]]
    return ids


def test_three_files_in_three_requests_make_one_ingest_job_and_one_inference_job(
    active_model, held_broker, client_for, ct_dir, django_capture_on_commit_callbacks
):
    image_ids = upload_one_per_request(client_for("clinician"), ct_dir, django_capture_on_commit_callbacks)
    ingest = Job.objects.get(kind="ingest")
    assert sorted(ingest.params["image_ids"]) == sorted(image_ids) and held_broker == [ingest.pk]

    with django_capture_on_commit_callbacks(execute=True):
        run_claimed(job_id=ingest.pk, task_id="t", body=lambda job: study_postprocess(job=job))
    infer = Job.objects.get(kind="infer", params__reason="upload")
    assert sorted(infer.params["image_ids"]) == sorted(image_ids)
    run_claimed(job_id=infer.pk, task_id="t", body=lambda job: inference_run(job=job))
    assert Prediction.objects.filter(version=active_model).count() == 3


def test_a_file_arriving_after_its_batch_job_started_gets_a_job_of_its_own_for_itself_only(
    active_model, held_broker, client_for, ct_dir, django_capture_on_commit_callbacks
):
    client = client_for("clinician")
    first = upload_one_per_request(client, ct_dir, django_capture_on_commit_callbacks, names=("01", "02"))
    job = Job.objects.get(kind="ingest")
    assert job_services.job_claim(job_id=job.pk)  # a worker took the batch
    last = upload_one_per_request(client, ct_dir, django_capture_on_commit_callbacks, names=("03",))
    jobs = list(Job.objects.filter(kind="ingest").order_by("id"))
    assert [sorted(j.params["image_ids"]) for j in jobs] == [sorted(first), last]


def test_uploads_of_two_clinicians_never_share_a_job(
    active_model, held_broker, client_for, make_user, ct_dir, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    upload_one_per_request(client_for("clinician"), ct_dir, django_capture_on_commit_callbacks, names=("01",))
    other = APIClient()
    other.force_authenticate(make_user("clinician", name="second-clinician")[0])
    with django_capture_on_commit_callbacks(execute=True):
        other.post("/api/studies/", {"files": [named_upload(corpus_small())]})
    assert {tuple(j.params["image_ids"]).__len__() for j in Job.objects.filter(kind="ingest")} == {1}
    assert Job.objects.filter(kind="ingest").count() == 2


def corpus_small():
    from tests.studies import corpus

    return corpus.GE_SMALL
