"""A training job's progress row carries the curve so far and each epoch's seconds: the job page draws the
loss and Dice live from it and estimates the time left."""

import pytest

from jobs.models import Job
from jobs.services import JobCancelled
from modelhub.services.training import training_reporter
from segmentation.train import Progress


def running_job(**fields) -> Job:
    return Job.objects.create(kind="train", state="running", queue="training", **fields)


def test_each_epoch_adds_its_loss_dice_and_seconds_to_the_curve_on_the_job_row(db):
    job = running_job()
    report = training_reporter(job=job)
    report(Progress(1, 4, 0.9, 0.5, 0.5, 12.0, 11.0))
    report(Progress(2, 4, 0.7, 0.6, 0.6, 22.5, 10.5))

    job.refresh_from_db()
    detail = job.progress_detail
    assert (detail["epoch"], detail["epochs"], detail["epoch_seconds"]) == (2, 4, 10.5)
    assert detail["history"] == [
        {"epoch": 1, "loss": 0.9, "val_dice": 0.5, "seconds": 11.0},
        {"epoch": 2, "loss": 0.7, "val_dice": 0.6, "seconds": 10.5},
    ]
    assert job.progress == pytest.approx(0.9 * 2 / 4)


def test_a_resumed_job_keeps_the_curve_of_the_epochs_before_its_worker_died(db):
    before = [{"epoch": 1, "loss": 0.9, "val_dice": 0.5, "seconds": 11.0}]
    job = running_job(progress_detail={"epoch": 1, "history": before})
    training_reporter(job=job)(Progress(2, 4, 0.7, 0.6, 0.6, 10.0, 10.0))
    job.refresh_from_db()
    assert [row["epoch"] for row in job.progress_detail["history"]] == [1, 2]


def test_a_cancelled_job_stops_at_its_next_epoch(db):
    job = running_job(cancel_requested=True)
    with pytest.raises(JobCancelled):
        training_reporter(job=job)(Progress(1, 4, 0.9, 0.5, 0.5, 12.0, 11.0))
