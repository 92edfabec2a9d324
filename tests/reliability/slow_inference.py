"""The worker's Celery app for fault tests: the real one, with each image's inference slowed down, so a test
can kill the worker half-way through a job. Used as `celery -A tests.reliability.slow_inference worker`."""

import os
import time

from celery.signals import worker_process_init, worker_ready

from config.celery import app

SECONDS_PER_IMAGE = float(os.environ.get("SLOW_INFERENCE_SECONDS", "0.4"))


def _slow_down() -> None:
    from modelhub.services import inference

    real_predict = inference.image_predict
    if getattr(real_predict, "slowed", False):
        return

    def image_predict(**kwargs):
        time.sleep(SECONDS_PER_IMAGE)
        return real_predict(**kwargs)

    image_predict.slowed = True
    inference.image_predict = image_predict


@worker_ready.connect
def _solo_pool_ready(**_) -> None:
    _slow_down()


@worker_process_init.connect
def _pool_child_ready(**_) -> None:
    _slow_down()


__all__ = ["app"]
