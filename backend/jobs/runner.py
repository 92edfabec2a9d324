"""Run a job body inside a Celery task: claim, run, record success or the failure reason."""

import logging
import traceback
from collections.abc import Callable

from .models import Job
from .services import (
    JobCancelled,
    database_lost,
    database_reconnect,
    job_claim,
    job_fail,
    job_mark_cancelled,
    job_requeue,
    job_succeed,
)

logger = logging.getLogger(__name__)


def run_claimed(*, job_id: int, task_id: str, body: Callable[[Job], dict | None]) -> str:
    """Claim the job and run `body(job)`; returns what happened ('skipped', 'succeeded', 'failed', 'cancelled',
    'requeued' after the database went away under it)."""
    if not job_claim(job_id=job_id, task_id=task_id):
        logger.info("job %s already claimed or finished; skipping duplicate delivery", job_id)
        return "skipped"
    job = Job.objects.get(pk=job_id)
    try:
        result = body(job)
    except JobCancelled:
        job_mark_cancelled(job_id=job_id)
        return "cancelled"
    except Exception as exc:  # the reason goes to the row, where the page shows it
        if database_lost(exc) and database_reconnect():
            # The database restarted under the job: not the job's fault, so run it again from its checkpoint.
            logger.warning("job %s lost its database connection (%s); sending it again", job_id, exc)
            if job_requeue(job_id=job_id, reason=f"database connection lost ({type(exc).__name__})"):
                return "requeued"
        logger.exception("job %s failed", job_id)
        job_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")
        return "failed"
    job_succeed(job_id=job_id, result=result or {})
    return "succeeded"
