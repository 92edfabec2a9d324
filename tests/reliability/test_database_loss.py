"""A job whose database connection drops (PostgreSQL restarted) is sent again once the database is back, up
to the attempt limit, instead of being left running; a bad query still fails the job. (Restarting the real
PostgreSQL is benchmarks/reliability.py: it would disturb other tests.)"""

from django.db import OperationalError

from jobs import runner, services
from jobs.models import Job


def lose_the_database(job):
    raise OperationalError("terminating connection due to administrator command")


def run(monkeypatch, *, lost: bool, attempts: int = 0) -> tuple[str, Job, list[int]]:
    sent = []
    monkeypatch.setattr(runner, "database_lost", lambda error: lost)
    monkeypatch.setattr(runner, "database_reconnect", lambda: True)
    monkeypatch.setattr(services, "job_send", lambda job: sent.append(job.pk))
    job = Job.objects.create(kind="train", task_name="modelhub.tasks.train_model_version", attempts=attempts)
    outcome = runner.run_claimed(job_id=job.pk, task_id="t1", body=lose_the_database)
    return outcome, Job.objects.get(pk=job.pk), sent


def test_a_job_that_lost_its_database_is_sent_again(db, monkeypatch):
    outcome, job, sent = run(monkeypatch, lost=True)
    assert outcome == "requeued" and job.state == "queued" and job.celery_task_id == ""
    assert sent == [job.pk] and "database connection lost (OperationalError); job sent again" in job.log_tail


def test_after_the_last_attempt_it_fails_visibly(db, monkeypatch):
    outcome, job, sent = run(monkeypatch, lost=True, attempts=services.MAX_ATTEMPTS - 1)
    assert outcome == "failed" and job.state == "failed" and "administrator command" in job.error and not sent


def test_a_database_error_with_a_working_connection_fails_the_job(db, monkeypatch):
    outcome, job, sent = run(monkeypatch, lost=False)
    assert outcome == "failed" and job.state == "failed" and not sent
