"""Thin Celery tasks: take a job id, claim the row, call a service."""

from celery import shared_task

from jobs.runner import run_claimed


@shared_task(bind=True, acks_late=True)
def run_export(self, job_id: int) -> str:
    from .services import export_run

    return run_claimed(job_id=job_id, task_id=self.request.id or "", body=lambda job: export_run(job=job))
