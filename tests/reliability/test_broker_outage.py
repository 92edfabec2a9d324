"""The broker is down when a job is made: the request still succeeds, the job waits queued with no task id,
and the sweeper sends it once the broker is back. (Restarting the real Redis is benchmarks/reliability.py.)"""

from datetime import timedelta

import pytest
from kombu.exceptions import OperationalError

from config.celery import app
from jobs import services
from jobs.models import Job
from jobs.tasks import jobs_sweep


@pytest.fixture
def broker(monkeypatch):
    """A broker that can be switched off: send_task raises as kombu does when Redis refuses connections."""

    class Broker:
        up = False
        sent: list[int] = []

        def send_task(self, name, args, queue):
            if not self.up:
                raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
            self.sent.append(args[0])
            return type("Result", (), {"id": f"task-{args[0]}"})()

    fake = Broker()
    app.conf.task_always_eager = False  # the autouse eager_celery fixture puts it back
    monkeypatch.setattr(services.current_app, "send_task", fake.send_task)
    return fake


def test_an_export_asked_for_while_the_broker_is_down_is_accepted_and_sent_later(
    broker, client_for, django_capture_on_commit_callbacks
):
    client = client_for("researcher")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/exports/", {"format": "csv"}, format="json")
    assert response.status_code == 202
    job = Job.objects.get()
    assert job.state == "queued" and job.celery_task_id == ""

    broker.up = True
    assert jobs_sweep()["sent_after_broker_outage"] == 0  # too new: its own send may still be under way
    Job.objects.filter(pk=job.pk).update(created_at=job.created_at - timedelta(minutes=2))
    assert jobs_sweep()["sent_after_broker_outage"] == 1
    assert broker.sent == [job.pk] and Job.objects.get().celery_task_id == f"task-{job.pk}"
    assert jobs_sweep()["sent_after_broker_outage"] == 0  # sent once, not at every sweep
