from celery import shared_task

from .services import jobs_resend_lost, jobs_send_unsent, jobs_sweep_stale


@shared_task
def jobs_sweep() -> dict:
    return {
        **jobs_sweep_stale(),
        "sent_after_broker_outage": jobs_send_unsent(),
        "resent_possibly_lost": jobs_resend_lost(),
    }
