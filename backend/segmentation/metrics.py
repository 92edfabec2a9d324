"""Dice and HD95 (from MONAI), relative SMA error, and the best HU-threshold baseline."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from monai.metrics import compute_dice, compute_hausdorff_distance

MUSCLE_HU = (-29.0, 150.0)


def _one_hot(mask: np.ndarray | torch.Tensor, label: int) -> torch.Tensor:
    return torch.as_tensor(np.asarray(mask) == label)[None, None].float()


def dice(prediction: np.ndarray, target: np.ndarray, label: int = 1) -> float:
    """Dice of one label; 1.0 when the label is absent from both."""
    if prediction.shape != target.shape:
        raise ValueError(f"shapes differ: {prediction.shape} vs {target.shape}")
    value = compute_dice(_one_hot(prediction, label), _one_hot(target, label), ignore_empty=False)
    return float(value.item())


def hd95(prediction: np.ndarray, target: np.ndarray, spacing_mm: tuple[float, float], label: int = 1) -> float:
    """95th percentile Hausdorff distance in mm (nan when either mask is empty)."""
    predicted, truth = _one_hot(prediction, label), _one_hot(target, label)
    if predicted.sum() == 0 or truth.sum() == 0:
        return float("nan")
    value = compute_hausdorff_distance(predicted, truth, percentile=95, spacing=list(spacing_mm))
    return float(value.item())


def sma_cm2(hu: np.ndarray, mask: np.ndarray, spacing_mm: tuple[float, float], label: int = 1) -> float:
    muscle = (np.asarray(mask) == label) & (hu >= MUSCLE_HU[0]) & (hu <= MUSCLE_HU[1])
    return float(muscle.sum() * spacing_mm[0] * spacing_mm[1] / 100.0)


def relative_sma_error(
    hu: np.ndarray, prediction: np.ndarray, target: np.ndarray, spacing_mm: tuple[float, float]
) -> float:
    """(predicted SMA - true SMA) / true SMA, SMA within -29..150 HU."""
    truth = sma_cm2(hu, target, spacing_mm)
    if truth == 0:
        return float("nan")
    return (sma_cm2(hu, prediction, spacing_mm) - truth) / truth


def threshold_mask(hu: np.ndarray, low: float, high: float) -> np.ndarray:
    return ((hu >= low) & (hu <= high)).astype(np.uint8)


def best_threshold_baseline(
    images: Sequence[np.ndarray], targets: Sequence[np.ndarray], label: int = 1
) -> tuple[tuple[float, float], float]:
    """The HU window (low, high) that maximises mean muscle Dice on these images, and that Dice.

    This is the best any HU thresholding can do with the labels known; it fails because skin, bowel
    wall, kidney, vessels and liver share muscle HU.
    """
    best = ((MUSCLE_HU[0], MUSCLE_HU[1]), -1.0)
    for low in range(-100, 61, 10):
        for high in range(low + 20, 221, 10):
            score = float(
                np.mean(
                    [_fast_dice(threshold_mask(h, low, high), t == label) for h, t in zip(images, targets, strict=True)]
                )
            )
            if score > best[1]:
                best = ((float(low), float(high)), score)
    return best


def _fast_dice(prediction: np.ndarray, truth: np.ndarray) -> float:
    prediction = prediction.astype(bool)
    total = prediction.sum() + truth.sum()
    return 1.0 if total == 0 else float(2 * (prediction & truth).sum() / total)
