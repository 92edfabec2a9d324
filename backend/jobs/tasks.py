from celery import shared_task

from .services import jobs_sweep_stale


@shared_task
def jobs_sweep() -> dict:
    return jobs_sweep_stale()
