"""CT device profiles and the imaging physics that make one scanner look unlike another."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class DeviceProfile:
    """What a scanner and its protocol do to an ideal HU image."""

    key: str
    manufacturer: str
    model: str
    kernel: str
    kvp: float
    noise_hu: float  # standard deviation of the noise, HU
    noise_corr_mm: float  # noise grain size (texture)
    blur_mm: float  # Gaussian sigma of the reconstruction point spread function
    sharpen: float  # mid-frequency boost of sharp kernels (edge overshoot)
    hu_offset: float  # calibration error added to every pixel, HU
    fov_mm: float
    matrix: int
    contrast: float  # 0 = non-contrast, 1 = portal venous enhancement
    slice_thickness_mm: float
    signed_storage: bool  # int16 with intercept 0, or uint16 with intercept -1024

    @property
    def spacing_mm(self) -> float:
        return self.fov_mm / self.matrix

    def with_matrix(self, matrix: int) -> DeviceProfile:
        """The same device at another matrix (same field of view): small images for tests."""
        return replace(self, matrix=matrix)


# Sharpness and noise are checked against real CT with segmentation.calibration, measured the same way on
# both (benchmarks/scanner_calibration.py): the skin-air edge of real GE LightSpeed STANDARD, Siemens Br38f
# and one unnamed scanner gives a point spread sigma of 0.72-0.79 mm, fat noise 12-33 HU. B is GE
# STANDARD, so blur 0.8 mm; D, the softest kernel (no real Toshiba series to measure), 1.0 mm, about 30%
# softer than any measured scanner; its noise is set so that fat reads about 12 HU, the quietest real
# series. C's sharp kernel (0.4 mm measured, with overshoot) and A (0.65 mm) stay as they were.
DEVICES: dict[str, DeviceProfile] = {
    "A": DeviceProfile(
        "A", "SIEMENS", "SOMATOM Definition Edge", "B30f", 120, 12.0, 0.7, 0.6, 0.0, 0.0,
        400.0, 512, 1.0, 3.0, False,
    ),
    "B": DeviceProfile(
        "B", "GE MEDICAL SYSTEMS", "LightSpeed VCT", "STANDARD", 120, 22.0, 1.3, 0.8, 0.0, 18.0,
        460.0, 512, 0.0, 5.0, True,
    ),
    "C": DeviceProfile(
        "C", "Philips", "Brilliance 64", "C", 140, 30.0, 0.6, 0.5, 0.8, -22.0,
        360.0, 512, 0.6, 2.0, False,
    ),
    "D": DeviceProfile(
        "D", "TOSHIBA", "Aquilion ONE", "FC08", 100, 26.0, 2.2, 1.0, 0.0, 10.0,
        500.0, 768, 0.0, 1.0, True,
    ),
}  # fmt: skip


def device(key: str) -> DeviceProfile:
    try:
        return DEVICES[key]
    except KeyError:
        raise ValueError(f"unknown device profile {key!r}; known: {sorted(DEVICES)}") from None


def stable_seed(*parts: object) -> int:
    """A seed that does not depend on Python's randomised hash()."""
    return zlib.crc32(repr(parts).encode())


def _frequency_grid(shape: tuple[int, int], spacing_mm: float) -> np.ndarray:
    fy = np.fft.fftfreq(shape[0], d=spacing_mm).astype(np.float32)
    fx = np.fft.rfftfreq(shape[1], d=spacing_mm).astype(np.float32)
    return fy[:, None] ** 2 + fx[None, :] ** 2  # squared radial frequency, cycles/mm


def _gaussian_mtf(f2: np.ndarray, sigma_mm: float) -> np.ndarray:
    return np.exp(-2.0 * np.pi**2 * sigma_mm**2 * f2)


def acquire(clean_hu: np.ndarray, profile: DeviceProfile, rng: np.random.Generator) -> np.ndarray:
    """Blur, sharpen, add textured noise and a calibration offset, all in one FFT pass."""
    f2 = _frequency_grid(clean_hu.shape, profile.spacing_mm)
    mtf = _gaussian_mtf(f2, profile.blur_mm)
    if profile.sharpen:
        mtf = mtf * (1.0 + profile.sharpen * (1.0 - _gaussian_mtf(f2, 2.5 * profile.blur_mm)))
    nps = _gaussian_mtf(f2, profile.noise_corr_mm)
    nps = nps / np.sqrt(np.mean(nps**2))  # keeps the noise standard deviation at noise_hu
    white = rng.standard_normal(clean_hu.shape, dtype=np.float32) * profile.noise_hu
    spectrum = np.fft.rfft2(clean_hu) * mtf + np.fft.rfft2(white) * nps
    image = np.fft.irfft2(spectrum, s=clean_hu.shape) + profile.hu_offset
    return np.clip(np.rint(image), -1024, 3071).astype(np.int16)
