"""The whole loop on PostgreSQL, Redis and a real worker process with a tiny model:
train -> evaluate -> promote -> inference on a new upload -> measurement; cancel; a killed worker resumes."""

import signal
import subprocess
import time

import numpy as np
import pytest
from rest_framework.test import APIClient

from annotations.masks import mask_load
from annotations.models import Prelabel
from jobs.models import Job
from jobs.services import jobs_sweep_stale
from measurements.models import Measurement
from modelhub.models import Evaluation, ModelVersion, Prediction
from modelhub.services.training import training_start
from segmentation.composition import measure
from segmentation.networks import resolved_options
from studies import storage
from studies.models import Device
from tests.integration.conftest import wait_for
from tests.modelhub.factories import TINY, accept_all, phantom_cohort

pytestmark = [pytest.mark.worker, pytest.mark.slow]


@pytest.fixture
def people(make_user):
    return {role: make_user(role)[0] for role in ("ml_lead", "labeller", "reviewer", "clinician")}


@pytest.fixture
def cohort(tmp_path, people):
    made = phantom_cohort(tmp_path / "cohort", devices=("A", "B"), subjects=5, user=people["clinician"])
    accept_all(made, labeller=people["labeller"], reviewer=people["reviewer"])
    return made


def finished_job(job_id: int, worker, timeout: float = 240) -> Job:
    wait_for(
        lambda: Job.objects.get(pk=job_id).is_finished, timeout=timeout, what=f"job {job_id}", log_path=worker.log_path
    )
    return Job.objects.get(pk=job_id)


def device_of(cohort: dict, key: str) -> Device:
    sop = next(e["sop_instance_uid"] for e in cohort["manifest"]["images"] if e["device"] == key)
    return cohort["images"][sop].device


def test_train_evaluate_promote_then_a_new_upload_is_measured(celery_worker_process, cohort, people, tmp_path):
    worker = celery_worker_process
    device_a, device_b = device_of(cohort, "A"), device_of(cohort, "B")
    base_job = training_start(
        device=None,
        parent=None,
        user=people["ml_lead"],
        options={**TINY, "data_device_id": device_a.id, "auto_promote": True},
    )
    base_job = finished_job(base_job.pk, worker)
    assert base_job.state == "succeeded", base_job.error
    base = ModelVersion.objects.get(pk=base_job.params["version_id"])
    assert base.status == "active" and len(base.checksum) == 64 and base.training_set
    assert {e.device_id for e in base.evaluations.all()} == {device_a.id, device_b.id}
    assert [h["epoch"] for h in base.history] == [1, 2]
    # the version page shows what the engine resolved, not the request's "engine defaults"
    assert base.hyperparameters["net_kwargs"] == resolved_options(base.arch, TINY["net_kwargs"])
    assert base.hyperparameters["train_config"]["learning_rate"] == 1e-3
    assert base.hyperparameters["train_config"]["schedule"] == "constant"

    client = APIClient()
    client.force_authenticate(people["ml_lead"])
    started = client.post(f"/api/devices/{device_b.id}/train", {"parent_id": base.id, **TINY}, format="json")
    assert started.status_code == 202, started.json()
    child_job = finished_job(started.json()["job_id"], worker)
    assert child_job.state == "succeeded", child_job.error
    child = ModelVersion.objects.get(pk=started.json()["version_id"])
    assert child.status == "candidate" and child.parent_id == base.id and child.device_id == device_b.id
    assert Evaluation.objects.filter(version=child).count() == 2
    assert child.hyperparameters["train_config"]["steps_per_epoch"] == 100, (
        "the API takes epochs only: a fine-tune has the product's 100 steps per epoch"
    )
    assert child.hyperparameters["net_kwargs"] == base.hyperparameters["net_kwargs"]  # the parent's network
    promoted = client.post(f"/api/model-versions/{child.id}/promote", {"gate": False}, format="json")
    assert promoted.status_code == 200 and promoted.json()["status"] == "active"

    new_scan = phantom_cohort(tmp_path / "new", devices=("B",), subjects=1, first_seed=100, user=people["clinician"])
    image = next(iter(new_scan["images"].values()))
    wait_for(
        lambda: Measurement.objects.filter(image=image).exists(),
        timeout=180,
        what="the new upload's measurement",
        log_path=worker.log_path,
    )
    measurement = Measurement.objects.get(image=image)
    assert measurement.source == "model" and measurement.model_version_id == child.id
    prediction = Prediction.objects.get(image=image, version=child)
    hu = np.asarray(storage.hu_load(image.hu_path))
    expected = measure(hu, mask_load(bytes(prediction.mask_png)), image.pixel_spacing_mm)
    assert measurement.sma_cm2 == pytest.approx(expected.sma_cm2)
    assert measurement.values["muscle_hu_range"] == [-29, 150]
    assert Prelabel.objects.get(image=image).model_version_name == child.name


def test_cancel_stops_a_training_job_from_the_page(celery_worker_process, cohort, people):
    device_b = device_of(cohort, "B")
    job = training_start(
        device=None, parent=None, user=people["ml_lead"], options={**TINY, "epochs": 200, "data_device_id": device_b.id}
    )
    wait_for(
        lambda: Job.objects.get(pk=job.pk).progress_detail.get("epoch", 0) >= 1,
        timeout=120,
        what="the first epoch",
        log_path=celery_worker_process.log_path,
    )
    client = APIClient()
    client.force_authenticate(people["ml_lead"])
    assert client.post(f"/api/jobs/{job.pk}/cancel").status_code == 200
    job = finished_job(job.pk, celery_worker_process, timeout=60)
    assert job.state == "cancelled"
    assert ModelVersion.objects.get(pk=job.params["version_id"]).status == "failed"


def test_a_worker_killed_mid_training_resumes_from_its_checkpoint(celery_worker_process, cohort, people, settings):
    device_b = device_of(cohort, "B")
    job = training_start(
        device=None, parent=None, user=people["ml_lead"], options={**TINY, "epochs": 8, "data_device_id": device_b.id}
    )
    wait_for(
        lambda: Job.objects.get(pk=job.pk).progress_detail.get("epoch", 0) >= 2,
        timeout=120,
        what="two epochs",
        log_path=celery_worker_process.log_path,
    )
    celery_worker_process.send_signal(signal.SIGKILL)
    celery_worker_process.wait(timeout=30)
    epochs_before = Job.objects.get(pk=job.pk).progress_detail["epoch"]

    settings.JOB_STALE_SECONDS = 1
    time.sleep(1.5)
    assert jobs_sweep_stale()["requeued"] == 1
    second = subprocess.Popen(
        celery_worker_process.args,
        cwd=celery_worker_process.cwd,
        env=celery_worker_process.env,
        stdout=open(celery_worker_process.log_path, "a"),
        stderr=subprocess.STDOUT,
    )
    try:
        done = finished_job(job.pk, celery_worker_process, timeout=240)
    finally:
        second.terminate()
        second.wait(timeout=30)
    assert done.state == "succeeded", done.error
    assert done.attempts == 2
    resumed = done.log_tail.split("job sent again")[1]
    first_epoch_after = int(resumed.split("epoch ")[1].split("/")[0])
    assert first_epoch_after > 1 and first_epoch_after <= epochs_before + 1, done.log_tail
    version = ModelVersion.objects.get(pk=done.params["version_id"])
    assert [h["epoch"] for h in version.history] == list(range(1, 9))
