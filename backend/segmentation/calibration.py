"""Image quality as a scanner shows it: edge sharpness (point spread function) and noise, measured the
same way on real CT and on phantom slices, so device profiles can be checked against real scanners.

Sharpness: the skin-air edge is physically a step, so the image across it is the scanner's edge spread
function. Every few millimetres along the body outline the HU profile is sampled on the normal (0.1 mm
steps, bilinear) and an error function is fitted to its air side and the first millimetre of skin; the
fitted sigma is the Gaussian sigma of the point spread function, in mm. Noise: the standard deviation of
HU in 7x7 pixel windows wholly inside subcutaneous fat, the most uniform tissue on a CT.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy import ndimage, optimize, special


def _body_mask(hu: np.ndarray) -> np.ndarray:
    mask = hu > -500
    labels, count = ndimage.label(mask)
    if count == 0:
        return mask
    sizes = ndimage.sum(mask, labels, range(1, count + 1))
    body = labels == (1 + int(np.argmax(sizes)))
    return ndimage.binary_fill_holes(body)


def _erf_edge(t: np.ndarray, low: float, high: float, centre: float, sigma: float) -> np.ndarray:
    return low + (high - low) * 0.5 * (1 + special.erf((t - centre) / (np.sqrt(2) * abs(sigma))))


def edge_sigmas(hu: np.ndarray, spacing_mm: float, every_mm: float = 4.0) -> list[float]:
    """Fitted PSF sigma (mm) at points along the skin-air edge, excluding the table side."""
    image = hu.astype(np.float32)
    body = _body_mask(hu)
    boundary = body & ~ndimage.binary_erosion(body)
    smooth = ndimage.gaussian_filter(body.astype(np.float32), 3.0)
    gy, gx = np.gradient(smooth)
    rows, cols = np.nonzero(boundary)
    centre_row = rows.mean()
    keep = rows < centre_row + 0.3 * (rows.max() - centre_row)  # not the back, where the table lies
    rows, cols = rows[keep], cols[keep]
    step = max(1, int(round(every_mm / spacing_mm)))
    order = np.argsort(np.arctan2(rows - rows.mean(), cols - cols.mean()))
    rows, cols = rows[order][::step], cols[order][::step]
    t = np.arange(-6.0, 1.01, 0.1)  # mm along the inward normal: air side, edge, first mm of skin
    coarse = np.arange(-4.0, 4.01, 0.25)  # mm either side of the pixel, to find the half-way crossing
    sigmas = []
    for r, c in zip(rows, cols, strict=True):
        n = np.array([gy[r, c], gx[r, c]])
        if not np.linalg.norm(n):
            continue
        n = n / np.linalg.norm(n)  # points into the body
        # the half-way crossing near this pixel, then the profile centred on it
        values = ndimage.map_coordinates(
            image, [r + coarse / spacing_mm * n[0], c + coarse / spacing_mm * n[1]], order=1, mode="nearest"
        )
        crossing = np.nonzero(values > -500)[0]
        if crossing.size == 0:
            continue
        origin = coarse[crossing[0]]
        along = origin + t
        profile = ndimage.map_coordinates(
            image, [r + along / spacing_mm * n[0], c + along / spacing_mm * n[1]], order=1, mode="nearest"
        )
        if profile[:10].mean() > -900 or profile[-5:].mean() < -300:
            continue  # not air outside and soft tissue inside: clothing, tubes, a blanket
        try:
            params, _ = optimize.curve_fit(
                _erf_edge, t, profile, p0=(profile[:10].mean(), profile[-5:].mean(), 0.0, 0.7), maxfev=2000
            )
        except RuntimeError:
            continue
        sigma = abs(float(params[3]))
        if 0.05 < sigma < 5:
            sigmas.append(sigma)
    return sigmas


def fat_noise(hu: np.ndarray, window: int = 7) -> float:
    """Median standard deviation of HU in window x window blocks wholly inside fat (-160..-40 HU)."""
    image = hu.astype(np.float32)
    fat = ndimage.median_filter(image, 5)
    fat = (fat > -160) & (fat < -40) & _body_mask(hu)
    whole = ndimage.minimum_filter(fat.astype(np.uint8), window).astype(bool)
    mean = ndimage.uniform_filter(image, window)
    sq = ndimage.uniform_filter(image * image, window)
    sd = np.sqrt(np.maximum(sq - mean * mean, 0))
    return float(np.median(sd[whole])) if whole.any() else float("nan")


def measure(slices: Iterable[tuple[np.ndarray, float]]) -> dict:
    """Sharpness and noise of a series: edge sigmas pooled over its (hu, pixel spacing mm) slices, their
    median and interquartile range, and the median of the slices' fat noise."""
    sigmas: list[float] = []
    noises: list[float] = []
    for hu, spacing_mm in slices:
        sigmas += edge_sigmas(hu, spacing_mm)
        noises.append(fat_noise(hu))
    if not noises:
        raise ValueError("no slices to measure")
    return {
        "edge_sigma_mm_median": float(np.median(sigmas)) if sigmas else None,
        "edge_sigma_mm_iqr": [float(np.percentile(sigmas, 25)), float(np.percentile(sigmas, 75))] if sigmas else None,
        "edge_points": len(sigmas),
        "fat_noise_hu_median": float(np.median(noises)),
    }
