"""Thin Celery tasks: take a job id, claim the row, call a service."""

from celery import shared_task

from jobs.runner import run_claimed


@shared_task(bind=True, acks_late=True)
def train_model_version(self, job_id: int) -> str:
    from .services.training import training_run

    return run_claimed(job_id=job_id, task_id=self.request.id or "", body=lambda job: training_run(job=job))


@shared_task(bind=True, acks_late=True)
def run_inference(self, job_id: int) -> str:
    from .services.inference import inference_run

    return run_claimed(job_id=job_id, task_id=self.request.id or "", body=lambda job: inference_run(job=job))


@shared_task(bind=True, acks_late=True)
def evaluate_model_version(self, job_id: int) -> str:
    from .services.evaluation import evaluation_run

    return run_claimed(job_id=job_id, task_id=self.request.id or "", body=lambda job: evaluation_run(job=job))
