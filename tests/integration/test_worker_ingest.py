"""The production path: upload over the API, a real Celery worker (Redis broker) post-processes the
study, state lands in PostgreSQL."""

import pytest
from rest_framework.test import APIClient

from jobs.models import Job
from studies import storage
from studies.models import Image
from tests.integration.conftest import wait_for
from tests.studies.uploads import named_upload

pytestmark = pytest.mark.worker
GE = "ge-lightspeed-liver-3slice"


def test_a_real_worker_renders_thumbnails_after_an_upload(celery_worker_process, make_user, ct_dir):
    client = APIClient()
    client.force_authenticate(make_user("clinician")[0])
    files = [named_upload(ct_dir / GE / f"0{i}.dcm") for i in (1, 2, 3)]
    response = client.post("/api/studies/", {"files": files}, format="multipart")
    assert response.status_code == 201, response.json()

    job = Job.objects.get(kind=Job.Kind.INGEST)

    def finished():
        job.refresh_from_db()
        return job.is_finished

    wait_for(finished, timeout=90, what="the ingest job to finish", log_path=celery_worker_process.log_path)
    assert job.state == Job.State.SUCCEEDED, job.error
    assert job.attempts == 1 and job.result == {"thumbnails": 3, "images": 3, "level_jobs": 1}
    for image in Image.objects.all():
        assert storage.read_bytes(image.thumbnail_path)[:8] == b"\x89PNG\r\n\x1a\n"

    # The series' level detection ran after it, on the inference queue, and stored its answer on the series.
    levels = Job.objects.get(kind=Job.Kind.LEVELS)
    wait_for(lambda: Job.objects.get(pk=levels.pk).is_finished, timeout=90, what="the level job")
    levels.refresh_from_db()
    assert levels.state == Job.State.SUCCEEDED and levels.queue == "inference", levels.error
    series = Image.objects.first().series
    assert series.levels_slice_count == 3 and series.levels_message and series.level_image is None


def test_a_duplicate_delivery_does_no_work_twice(celery_worker_process, make_user, ct_dir):
    from studies.tasks import study_postprocess

    client = APIClient()
    client.force_authenticate(make_user("clinician")[0])
    client.post("/api/studies/", {"files": [named_upload(ct_dir / GE / "01.dcm")]}, format="multipart")
    job = Job.objects.get(kind=Job.Kind.INGEST)
    wait_for(
        lambda: Job.objects.get(pk=job.pk).is_finished,
        timeout=90,
        what="the first delivery",
        log_path=celery_worker_process.log_path,
    )

    study_postprocess.apply_async(args=[job.pk], queue="default")  # the same message delivered again
    wait_for(
        lambda: "skipping duplicate delivery" in open(celery_worker_process.log_path).read(),
        timeout=60,
        what="the worker to skip the duplicate",
        log_path=celery_worker_process.log_path,
    )
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED and job.attempts == 1
