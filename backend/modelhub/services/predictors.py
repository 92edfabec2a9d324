"""One loaded Predictor per model version and process: a worker loads each checkpoint once."""

from functools import lru_cache

from django.conf import settings

from segmentation.infer import Predictor
from studies import storage

from ..models import ModelVersion


@lru_cache(maxsize=4)
def _predictor(weights_path: str, checksum: str) -> Predictor:
    return Predictor(
        storage.local_copy(weights_path),
        device=settings.MUSCLESEED_TORCH_DEVICE,
        threads=settings.MUSCLESEED_TORCH_THREADS,
        flip=settings.MUSCLESEED_PREDICT_FLIP,
    )


def predictor_for(*, version: ModelVersion) -> Predictor:
    return _predictor(version.weights_path, version.checksum)
