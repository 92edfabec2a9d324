"""Jobs are claimed with a conditional update: a second claim of the same job does nothing."""

from datetime import timedelta

from django.utils import timezone

from jobs.models import Job
from jobs.runner import run_claimed
from jobs.services import job_cancel, job_claim, job_progress, jobs_sweep_stale


def test_only_the_first_claim_of_a_queued_job_wins(db):
    job = Job.objects.create(kind=Job.Kind.INGEST, params={})
    assert job_claim(job_id=job.pk) is True
    assert job_claim(job_id=job.pk) is False
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING and job.attempts == 1


def test_a_running_job_whose_worker_died_can_be_claimed_again(db):
    job = Job.objects.create(kind=Job.Kind.INGEST, params={})
    job_claim(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert job_claim(job_id=job.pk) is True
    job.refresh_from_db()
    assert job.attempts == 2


def test_a_failing_body_records_its_reason_on_the_row(db):
    job = Job.objects.create(kind=Job.Kind.INGEST, params={})

    def body(job):
        raise ValueError("the study has no images")

    assert run_claimed(job_id=job.pk, task_id="t1", body=body) == "failed"
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "the study has no images" in job.error


def test_a_finished_job_is_not_run_again(db):
    job = Job.objects.create(kind=Job.Kind.INGEST, params={})
    runs = []
    assert run_claimed(job_id=job.pk, task_id="t1", body=lambda j: runs.append(1) or {"ok": True}) == "succeeded"
    assert run_claimed(job_id=job.pk, task_id="t1", body=lambda j: runs.append(1)) == "skipped"
    assert runs == [1]


def test_cancel_stops_a_running_job_at_its_next_progress_report(db):
    job = Job.objects.create(kind=Job.Kind.TRAIN, params={})
    job_claim(job_id=job.pk)
    assert job_progress(job_id=job.pk, progress=0.2, log="epoch 1") is True
    job_cancel(job_id=job.pk)
    assert job_progress(job_id=job.pk, progress=0.3) is False


def test_the_sweeper_sends_a_job_whose_worker_died_again(db, monkeypatch):
    from jobs import services

    sent = []
    monkeypatch.setattr(services, "job_send", lambda job: sent.append(job.pk))
    job = Job.objects.create(kind=Job.Kind.TRAIN, params={}, task_name="modelhub.tasks.train", queue="training")
    job_claim(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert jobs_sweep_stale() == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED and sent == [job.pk]


def test_the_sweeper_fails_a_job_that_ran_out_of_attempts(db):
    job = Job.objects.create(kind=Job.Kind.TRAIN, params={}, task_name="modelhub.tasks.train", attempts=2)
    job_claim(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert jobs_sweep_stale() == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "stopped reporting" in job.error


def test_a_job_queued_long_ago_is_sent_once_more_in_case_the_broker_lost_it(db, monkeypatch, settings):
    from jobs import services

    sent = []
    monkeypatch.setattr(services, "job_send", lambda job: sent.append(job.pk) or True)
    old = Job.objects.create(
        kind=Job.Kind.INFER,
        params={},
        task_name="modelhub.tasks.run_inference",
        celery_task_id="t-old",
        sent_at=timezone.now() - timedelta(hours=2),
    )
    Job.objects.create(
        kind=Job.Kind.INFER,
        params={},
        task_name="modelhub.tasks.run_inference",
        celery_task_id="t-new",
        sent_at=timezone.now(),
    )
    assert services.jobs_resend_lost() == 1
    assert sent == [old.pk]
    assert "sent again" in Job.objects.get(pk=old.pk).log_tail
