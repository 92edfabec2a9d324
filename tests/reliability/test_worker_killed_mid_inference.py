"""A worker killed half-way through an inference job: the sweeper sends the job again, a new worker finishes
it, and each image ends with exactly one prediction, one pre-label and one model measurement."""

import signal
import subprocess
import time

import pytest
from django.db.models import Count

from annotations.models import Prelabel
from jobs.models import Job
from jobs.services import jobs_sweep_stale
from measurements.models import Measurement
from modelhub.models import Prediction
from modelhub.services.versions import model_version_import, model_version_promote
from segmentation.train import TrainConfig, train
from tests.conftest import PROJECT_ROOT
from tests.integration.conftest import wait_for
from tests.modelhub.factories import phantom_cohort

pytestmark = [pytest.mark.worker, pytest.mark.slow]


@pytest.fixture
def images(tmp_path, make_user):
    """Eight small phantom slices, ingested before the worker starts (their ingest jobs run in-process)."""
    made = phantom_cohort(tmp_path / "cohort", devices=("A", "B"), subjects=4, user=make_user("clinician")[0])
    return list(made["images"].values())


@pytest.fixture
def active_model(tmp_path, images):
    from segmentation.cohort import phantom_samples

    path = tmp_path / "tiny.pt"
    config = TrainConfig(epochs=1, steps_per_epoch=1, augment=False, net_kwargs={"width": 4})
    train(phantom_samples("A", range(2), matrix=64), path, config)
    return model_version_import(path=path, name="tiny-base")  # promoted by the test, once the slow worker runs


@pytest.fixture
def slow_worker(images, active_model, celery_worker_process):
    """The integration worker, restarted on the slowed-down app (see slow_inference.py)."""
    celery_worker_process.terminate()
    celery_worker_process.wait(timeout=30)
    args = [a if a != "config" else "tests.reliability.slow_inference" for a in celery_worker_process.args]
    env = {**celery_worker_process.env, "PYTHONPATH": f"{celery_worker_process.env['PYTHONPATH']}:{PROJECT_ROOT}"}
    log = open(celery_worker_process.log_path, "a")  # noqa: SIM115 - closed below
    started = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen(args, cwd=celery_worker_process.cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    start.log_path = celery_worker_process.log_path
    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
    log.close()


def test_a_worker_killed_mid_inference_finishes_the_job_once(slow_worker, images, active_model, settings):
    worker, log_path = slow_worker(), slow_worker.log_path
    model_version_promote(version=active_model)  # queues one inference job for every image the base serves
    job = Job.objects.get(kind="infer")
    wait_for(lambda: Prediction.objects.count() >= 2, timeout=120, what="two predictions", log_path=log_path)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    predicted_before = Prediction.objects.count()
    assert 0 < predicted_before < len(images), "the worker was not killed half-way"
    assert Job.objects.get(pk=job.pk).state == "running"

    settings.JOB_STALE_SECONDS = 1  # the heartbeat is older than this: the sweeper takes the worker for gone
    time.sleep(1.5)
    assert jobs_sweep_stale() == {"requeued": 1, "failed": 0}
    slow_worker()
    wait_for(lambda: Job.objects.get(pk=job.pk).is_finished, timeout=180, what="the resent job", log_path=log_path)

    done = Job.objects.get(pk=job.pk)
    assert done.state == "succeeded" and done.attempts == 2, done.error
    assert done.result["predicted"] == len(images)
    per_image = {
        "predictions": Prediction.objects.values("image").annotate(n=Count("id")),
        "pre-labels": Prelabel.objects.values("image").annotate(n=Count("id")),
        "measurements": Measurement.objects.filter(source="model").values("image").annotate(n=Count("id")),
    }
    for what, counts in per_image.items():
        assert sorted(row["image"] for row in counts) == sorted(image.pk for image in images), what
        assert {row["n"] for row in counts} == {1}, what
    assert Job.objects.filter(kind="infer").count() == 1
