"""Later apps plug into inference here, so modelhub never imports them (data flows one way).

measurements registers "measure the new prediction" and "re-verify the measurements of a version that was
evaluated" in its AppConfig.ready().
"""

from collections.abc import Callable

import numpy as np

from .models import Prediction

AfterPredict = Callable[..., object]  # called with prediction=..., hu=..., mask=...
AfterEvaluate = Callable[..., object]  # called with version_id=...
_after_predict: list[AfterPredict] = []
_after_evaluate: list[AfterEvaluate] = []


def register_after_predict(hook: AfterPredict) -> None:
    if hook not in _after_predict:
        _after_predict.append(hook)


def run_after_predict(*, prediction: Prediction, hu: np.ndarray, mask: np.ndarray) -> None:
    """Called inside the transaction that stores the prediction: what a hook writes commits with it."""
    for hook in _after_predict:
        hook(prediction=prediction, hu=hu, mask=mask)


def register_after_evaluate(hook: AfterEvaluate) -> None:
    if hook not in _after_evaluate:
        _after_evaluate.append(hook)


def run_after_evaluate(*, version_id: int) -> None:
    for hook in _after_evaluate:
        hook(version_id=version_id)
