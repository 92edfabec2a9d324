from celery import shared_task

from jobs.runner import run_claimed


@shared_task(bind=True, acks_late=True)
def study_postprocess(self, job_id: int) -> str:
    from .services import study_postprocess as body

    return run_claimed(job_id=job_id, task_id=self.request.id or "", body=lambda job: body(job=job))


@shared_task(bind=True, acks_late=True)
def series_levels_detect(self, job_id: int) -> str:
    from .levels import series_levels_run

    return run_claimed(job_id=job_id, task_id=self.request.id or "", body=lambda job: series_levels_run(job=job))
