"""Score a checkpoint on labelled images: Dice, HD95, SMA error, beside the HU-threshold baseline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .cohort import Sample
from .infer import Predictor
from .metrics import best_threshold_baseline, dice, hd95, relative_sma_error


@dataclass(frozen=True)
class Evaluation:
    images: int
    dice_mean: float
    dice_sd: float
    hd95_mm_median: float
    sma_error_median: float  # median |relative SMA error|
    uncertainty_mean: float
    dice_per_image: tuple[float, ...]

    def as_dict(self) -> dict:
        values = asdict(self)
        values["dice_per_image"] = list(self.dice_per_image)
        return values


def evaluate(predictor: Predictor, samples: Sequence[Sample], *, with_hd95: bool = True) -> Evaluation:
    """Muscle (label 1) scores of `predictor` on `samples`."""
    if not samples:
        raise ValueError("no images to evaluate")
    predictions = predictor.predict_many([(s.hu, s.spacing_mm) for s in samples])
    dices = [dice(p.mask, s.labels) for p, s in zip(predictions, samples, strict=True)]
    errors = [
        abs(relative_sma_error(s.hu, p.mask, s.labels, s.spacing_mm)) for p, s in zip(predictions, samples, strict=True)
    ]
    distances = (
        [hd95(p.mask, s.labels, s.spacing_mm) for p, s in zip(predictions, samples, strict=True)]
        if with_hd95
        else [float("nan")]
    )
    return Evaluation(
        images=len(samples),
        dice_mean=float(np.mean(dices)),
        dice_sd=float(np.std(dices)),
        hd95_mm_median=float(np.nanmedian(distances)) if not np.all(np.isnan(distances)) else float("nan"),
        sma_error_median=float(np.nanmedian(errors)),
        uncertainty_mean=float(np.mean([p.uncertainty for p in predictions])),
        dice_per_image=tuple(dices),
    )


def threshold_baseline(samples: Sequence[Sample]) -> dict:
    """The best HU window fitted on these very images (an upper bound for thresholding)."""
    window, score = best_threshold_baseline([s.hu for s in samples], [s.labels for s in samples])
    return {"window_hu": list(window), "dice_mean": score}
