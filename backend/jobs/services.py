"""Job lifecycle: create and enqueue, claim with a conditional UPDATE, report progress, finish.

A task claims its row only if exactly one row changed, so a redelivered or duplicated message that
arrives while the job runs, or after it finished, does no work twice.
"""

import logging
import socket
import time
from datetime import timedelta
from importlib import import_module

from celery import current_app
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from .models import Job

logger = logging.getLogger(__name__)

LOG_TAIL_CHARS = 8000
MAX_ATTEMPTS = 3


class JobCancelled(Exception):
    """Raised inside a job body when the user cancelled it; the runner records the cancellation."""


def stale_after() -> timedelta:
    """A running job whose heartbeat is older than this is taken to have lost its worker."""
    return timedelta(seconds=settings.JOB_STALE_SECONDS)


def job_create(*, kind: str, params: dict, task_name: str, queue: str = "default", created_by=None) -> Job:
    """Create a queued job and send its task once the surrounding transaction commits."""
    job = Job.objects.create(kind=kind, params=params, created_by=created_by, task_name=task_name, queue=queue)
    transaction.on_commit(lambda: job_send(job=job))
    return job


def job_create_or_join(
    *, kind: str, params: dict, merge: str, task_name: str, queue: str = "default", created_by=None
) -> Job:
    """Like job_create, but a queued job of the same kind, task, creator and params (apart from the list
    `merge`) takes the new ids instead: the files of one upload batch become one job, not one per request.

    The join is a compare-and-swap on the job's params while it is still queued; a worker's claim moves it to
    running first and reads the params after, so ids joined before the claim are done, and once it is claimed
    a new job is made."""
    same = {key: value for key, value in params.items() if key != merge}
    candidates = Job.objects.filter(
        kind=kind, task_name=task_name, state=Job.State.QUEUED, created_by=created_by, cancel_requested=False
    )
    for job in candidates.order_by("-id")[:5]:
        if {key: value for key, value in job.params.items() if key != merge} != same:
            continue
        joined = {**job.params, merge: sorted(set(job.params.get(merge, [])) | set(params[merge]))}
        if Job.objects.filter(pk=job.pk, state=Job.State.QUEUED, params=job.params).update(params=joined) == 1:
            job.params = joined
            return job
    return job_create(kind=kind, params=params, task_name=task_name, queue=queue, created_by=created_by)


def job_send(*, job: Job) -> bool:
    """Send the job's task. With the broker down the job stays queued with no task id (False): the request
    that made it still succeeds, and the sweeper sends it once the broker is back (jobs_send_unsent)."""
    if current_app.conf.task_always_eager:  # tests and benchmarks run the task in-process
        import_module(job.task_name.rsplit(".", 1)[0])  # outside a worker, tasks modules load on demand
        result = current_app.tasks[job.task_name].apply(args=[job.pk])
    else:
        try:
            result = current_app.send_task(job.task_name, args=[job.pk], queue=job.queue)
        except (BrokerUnreachable, OSError) as error:
            logger.error("job %s not sent, the broker is unreachable (%s); the sweeper will send it", job.pk, error)
            return False
    Job.objects.filter(pk=job.pk).update(celery_task_id=result.id or "", sent_at=timezone.now())
    return True


def job_claim(*, job_id: int, task_id: str = "") -> bool:
    """Move a queued job (or a stale running one whose worker died) to running. True if this caller won."""
    now = timezone.now()
    queued = Q(state=Job.State.QUEUED)
    abandoned = Q(state=Job.State.RUNNING, heartbeat_at__lt=now - stale_after())
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


def jobs_sweep_stale() -> dict:
    """Running jobs whose worker stopped reporting are sent again (they resume from their checkpoint),
    or failed after MAX_ATTEMPTS: no job stays 'running' forever."""
    cutoff = timezone.now() - stale_after()
    requeued, failed = 0, 0
    for job in Job.objects.filter(state=Job.State.RUNNING, heartbeat_at__lt=cutoff):
        if job.attempts < MAX_ATTEMPTS and job.task_name and not job.cancel_requested:
            changed = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, heartbeat_at__lt=cutoff).update(
                state=Job.State.QUEUED, celery_task_id="", log_tail=job.log_tail + "worker lost; job sent again\n"
            )
            if changed:
                job_send(job=job)
                requeued += 1
            continue
        failed += Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(
            state=Job.State.FAILED,
            error=f"the worker stopped reporting for more than {stale_after()} after {job.attempts} attempt(s)",
            finished_at=timezone.now(),
        )
    return {"requeued": requeued, "failed": failed}


def jobs_send_unsent() -> int:
    """Queued jobs whose task never reached the broker (it was down when they were made) are sent now."""
    cutoff = timezone.now() - timedelta(seconds=settings.JOB_UNSENT_SECONDS)
    unsent = Job.objects.filter(state=Job.State.QUEUED, celery_task_id="", cancel_requested=False)
    return sum(job_send(job=job) for job in unsent.filter(created_at__lt=cutoff).exclude(task_name="").order_by("id"))


def jobs_resend_lost() -> int:
    """Queued jobs sent longer ago than JOB_STALE_SECONDS are sent once more: a broker that keeps nothing on
    disk loses the messages it held when it restarts. A second delivery is harmless (the first claim wins,
    the other is skipped), and each job is re-sent at most once per period."""
    cutoff = timezone.now() - stale_after()
    waiting = Job.objects.filter(state=Job.State.QUEUED, cancel_requested=False, sent_at__lt=cutoff)
    resent = 0
    for job in waiting.exclude(task_name="").order_by("id"):
        log = (job.log_tail + "still queued; message sent again in case the broker lost it\n")[-LOG_TAIL_CHARS:]
        if Job.objects.filter(pk=job.pk, state=Job.State.QUEUED, sent_at__lt=cutoff).update(log_tail=log):
            resent += job_send(job=job)
    return resent


def database_lost(error: BaseException) -> bool:
    """True when `error` came from a dropped database connection (a server restart), not from a bad query."""
    return isinstance(error, OperationalError | InterfaceError) and not connection.is_usable()


def database_reconnect(*, timeout: float = 120.0) -> bool:
    """Wait for the database to take connections again; True once a fresh connection works."""
    deadline = time.monotonic() + timeout
    while True:
        connection.close()
        try:
            connection.ensure_connection()
            return True
        except (OperationalError, InterfaceError):
            if time.monotonic() > deadline:
                return False
            time.sleep(2)


def job_requeue(*, job_id: int, reason: str) -> bool:
    """Send a running job again (it resumes from its checkpoint); False after MAX_ATTEMPTS (the caller fails it)."""
    job = Job.objects.get(pk=job_id)
    if job.state != Job.State.RUNNING or job.attempts >= MAX_ATTEMPTS or job.cancel_requested:
        return False
    changed = Job.objects.filter(pk=job_id, state=Job.State.RUNNING).update(
        state=Job.State.QUEUED,
        celery_task_id="",
        log_tail=(job.log_tail + f"{reason}; job sent again\n")[-LOG_TAIL_CHARS:],
    )
    if changed:
        job_send(job=job)
    return bool(changed)
