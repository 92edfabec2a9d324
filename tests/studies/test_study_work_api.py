"""GET /api/studies/{id}/work: where each image's measurement stands, so the study page can say "Queued
(position 2)" or "Measuring… 40 %" instead of "no model has run", and know when to fetch the results."""

import pytest

from jobs.models import Job
from jobs.runner import run_claimed
from studies.services import study_postprocess
from tests.studies.uploads import named_upload

GE = "ge-lightspeed-liver-3slice"


@pytest.fixture
def uploaded(held_broker, client_for, ct_dir, django_capture_on_commit_callbacks):
    """Two GE slices a clinician uploaded, their post-processing job still queued."""
    client = client_for("clinician")
    files = [named_upload(ct_dir / GE / name) for name in ("01.dcm", "02.dcm")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/studies/", {"files": files})
    assert response.status_code == 201, response.json()
    results = response.json()["results"]
    return {"client": client, "study_id": results[0]["study_id"], "image_ids": [r["image_id"] for r in results]}


def work(uploaded) -> dict:
    response = uploaded["client"].get(f"/api/studies/{uploaded['study_id']}/work")
    assert response.status_code == 200, response.content
    return response.json()


def test_images_waiting_for_post_processing_are_queued_behind_the_jobs_ahead_in_their_queue(db, uploaded):
    ingest = Job.objects.get(kind="ingest")
    Job.objects.filter(pk=ingest.pk).update(id=ingest.pk + 10)  # two jobs ahead of it in the default queue:
    Job.objects.create(id=ingest.pk + 1, kind="export", queue="default")
    Job.objects.create(id=ingest.pk + 2, kind="ingest", queue="default", params={"study_id": 999})
    Job.objects.create(id=ingest.pk + 3, kind="train", queue="training")  # another queue does not count
    Job.objects.create(id=ingest.pk + 4, kind="export", queue="default", state="running")  # nor a running job

    body = work(uploaded)
    assert body["pending"] is True
    assert [(i["image_id"], i["state"], i["position"], i["job_id"]) for i in body["images"]] == [
        (image_id, "queued", 3, ingest.pk + 10) for image_id in sorted(uploaded["image_ids"])
    ]


def test_a_running_inference_job_gives_its_progress_and_wins_over_a_queued_one(db, uploaded):
    ingest = Job.objects.get(kind="ingest")
    first, second = sorted(uploaded["image_ids"])
    Job.objects.filter(pk=ingest.pk).update(state="succeeded")
    Job.objects.create(kind="infer", queue="inference", state="running", progress=0.4, params={"image_ids": [first]})
    Job.objects.create(kind="infer", queue="inference", params={"image_ids": [first, second, 12345]})

    rows = {row["image_id"]: row for row in work(uploaded)["images"]}
    assert (rows[first]["state"], rows[first]["stage"], rows[first]["progress"]) == ("running", "measuring", 0.4)
    assert (rows[second]["state"], rows[second]["stage"], rows[second]["position"]) == ("queued", "measuring", 1)


def test_once_the_jobs_finished_nothing_is_pending_and_each_image_has_its_outcome(
    db, uploaded, django_capture_on_commit_callbacks
):
    ingest = Job.objects.get(kind="ingest")
    with django_capture_on_commit_callbacks(execute=True):  # no active model: no inference follows
        assert run_claimed(job_id=ingest.pk, task_id="t", body=lambda job: study_postprocess(job=job)) == "succeeded"
    first, second = sorted(uploaded["image_ids"])
    Job.objects.create(kind="infer", queue="inference", state="failed", params={"image_ids": [second]})

    body = work(uploaded)
    assert body["pending"] is False
    assert [(row["image_id"], row["state"]) for row in body["images"]] == [(first, "succeeded"), (second, "failed")]


def test_a_study_without_jobs_has_nothing_pending(db, uploaded):
    Job.objects.all().delete()
    body = work(uploaded)
    assert body["pending"] is False and {row["state"] for row in body["images"]} == {"none"}


def test_another_clinician_cannot_see_the_work_of_a_study_they_did_not_upload(db, uploaded, make_user):
    from rest_framework.test import APIClient

    other = APIClient()
    other.force_authenticate(make_user("clinician", name="second-clinician")[0])
    assert other.get(f"/api/studies/{uploaded['study_id']}/work").status_code == 404
    assert APIClient().get(f"/api/studies/{uploaded['study_id']}/work").status_code in (401, 403)


def test_the_work_of_a_study_takes_a_fixed_number_of_queries_whatever_the_queue_holds(
    db, uploaded, django_assert_max_num_queries
):
    for index in range(30):
        Job.objects.create(kind="infer", queue="inference", params={"image_ids": uploaded["image_ids"] + [index]})
    with django_assert_max_num_queries(8):
        body = work(uploaded)
    assert body["images"][0]["position"] == 1
