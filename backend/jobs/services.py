"""Job lifecycle: create and enqueue, claim with a conditional UPDATE, report progress, finish.

A task claims its row only if exactly one row changed, so a redelivered or duplicated message that
arrives while the job runs, or after it finished, does no work twice.
"""

import socket
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Job

LOG_TAIL_CHARS = 8000
STALE_AFTER = timedelta(minutes=10)


def job_create(*, kind: str, params: dict, created_by=None, enqueue: Callable[[Job], object] | None = None) -> Job:
    """Create a queued job; `enqueue(job)` is called after the surrounding transaction commits."""
    job = Job.objects.create(kind=kind, params=params, created_by=created_by)
    if enqueue is not None:
        transaction.on_commit(lambda: _enqueue(job, enqueue))
    return job


def _enqueue(job: Job, enqueue: Callable[[Job], object]) -> None:
    async_result = enqueue(job)
    task_id = getattr(async_result, "id", "") or ""
    Job.objects.filter(pk=job.pk).update(celery_task_id=task_id)


def job_claim(*, job_id: int, task_id: str = "") -> bool:
    """Move a queued job (or a stale running one whose worker died) to running. True if this caller won."""
    now = timezone.now()
    queued = Q(state=Job.State.QUEUED)
    abandoned = Q(state=Job.State.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    claimable = Job.objects.filter(queued | abandoned, pk=job_id, cancel_requested=False)
    changed = claimable.update(
        state=Job.State.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        worker=socket.gethostname(),
        celery_task_id=task_id or F("celery_task_id"),
    )
    return changed == 1


def job_progress(*, job_id: int, progress: float, detail: dict | None = None, log: str = "") -> bool:
    """Record progress; returns False when the job was cancelled meanwhile (the task should stop)."""
    job = Job.objects.only("log_tail", "cancel_requested").get(pk=job_id)
    fields = {"progress": max(0.0, min(1.0, progress)), "heartbeat_at": timezone.now()}
    if detail is not None:
        fields["progress_detail"] = detail
    if log:
        fields["log_tail"] = (job.log_tail + log.rstrip("\n") + "\n")[-LOG_TAIL_CHARS:]
    Job.objects.filter(pk=job_id, state=Job.State.RUNNING).update(**fields)
    return not job.cancel_requested


def job_succeed(*, job_id: int, result: dict | None = None) -> None:
    Job.objects.filter(pk=job_id, state=Job.State.RUNNING).update(
        state=Job.State.SUCCEEDED, progress=1.0, result=result or {}, finished_at=timezone.now()
    )


def job_fail(*, job_id: int, error: str) -> None:
    Job.objects.filter(pk=job_id).exclude(state__in=[Job.State.SUCCEEDED, Job.State.CANCELLED]).update(
        state=Job.State.FAILED, error=error[-4000:], finished_at=timezone.now()
    )


def job_cancel(*, job_id: int) -> Job:
    """Queued jobs are cancelled at once; running ones stop at their next progress report."""
    now = timezone.now()
    Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.CANCELLED, cancel_requested=True, finished_at=now
    )
    Job.objects.filter(pk=job_id, state=Job.State.RUNNING).update(cancel_requested=True)
    return Job.objects.get(pk=job_id)


def job_mark_cancelled(*, job_id: int) -> None:
    Job.objects.filter(pk=job_id, state=Job.State.RUNNING).update(state=Job.State.CANCELLED, finished_at=timezone.now())


def jobs_sweep_stale(*, older_than: timedelta = STALE_AFTER) -> int:
    """Fail running jobs whose worker stopped reporting: no job stays 'running' forever."""
    cutoff = timezone.now() - older_than
    return Job.objects.filter(state=Job.State.RUNNING, heartbeat_at__lt=cutoff).update(
        state=Job.State.FAILED,
        error=f"worker stopped reporting for more than {older_than}; marked failed by the sweeper",
        finished_at=timezone.now(),
    )
