"""Later apps plug into inference here, so modelhub never imports them (data flows one way).

measurements registers "measure the new prediction" in its AppConfig.ready().
"""

from collections.abc import Callable

import numpy as np

from .models import Prediction

AfterPredict = Callable[..., object]  # called with prediction=..., hu=..., mask=...
_after_predict: list[AfterPredict] = []


def register_after_predict(hook: AfterPredict) -> None:
    if hook not in _after_predict:
        _after_predict.append(hook)


def run_after_predict(*, prediction: Prediction, hu: np.ndarray, mask: np.ndarray) -> None:
    """Called inside the transaction that stores the prediction: what a hook writes commits with it."""
    for hook in _after_predict:
        hook(prediction=prediction, hu=hu, mask=mask)
