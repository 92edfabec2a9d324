"""Image-quality measures (sharpness, noise) and the phantom's device profiles against real CT."""

import numpy as np
import pytest

from segmentation.calibration import edge_sigmas, fat_noise
from segmentation.devices import DEVICES
from segmentation.dicom_io import read_hu
from segmentation.phantom import make_slice
from tests.studies import corpus


def _disc(sigma_mm: float, noise_hu: float, spacing: float = 0.8, size: int = 320) -> np.ndarray:
    """A fat disc in air, blurred by a Gaussian of sigma_mm, plus white noise: the truth is known."""
    from scipy import ndimage

    yy, xx = np.mgrid[:size, :size] * spacing
    centre = size * spacing / 2
    image = np.where(np.hypot(yy - centre, xx - centre) < 0.4 * size * spacing, -100.0, -1000.0)
    image = ndimage.gaussian_filter(image, sigma_mm / spacing)
    return image + np.random.default_rng(0).normal(0, noise_hu, image.shape)


@pytest.mark.parametrize("sigma_mm", [0.5, 0.8, 1.2])
def test_edge_sigma_recovers_a_known_blur(sigma_mm):
    measured = np.median(edge_sigmas(_disc(sigma_mm, 5.0), 0.8))
    assert measured == pytest.approx(sigma_mm, rel=0.1)


def test_fat_noise_recovers_a_known_noise_level():
    assert fat_noise(_disc(0.6, 15.0)) == pytest.approx(15.0, rel=0.1)


@pytest.mark.parametrize("key", ["A", "B", "D"])  # C's sharp kernel overshoots: no plain Gaussian edge
def test_phantom_edges_show_the_profile_blur(key):
    image = make_slice(0, key)
    assert np.median(edge_sigmas(image.hu, image.spacing_mm[0])) == pytest.approx(DEVICES[key].blur_mm, rel=0.12)


def test_device_profiles_are_as_sharp_and_noisy_as_real_scanners():
    corpus.skip_module_without_real_ct()
    real_sigma, real_noise = {}, {}
    series = {"ge": sorted(corpus.GE_LIVER.glob("0*.dcm")), "siemens": sorted(corpus.SIEMENS_SERIES.glob("CT.*"))[:4]}
    for name, paths in series.items():
        sigmas, noises = [], []
        for path in paths:
            hu, spacing, _ = read_hu(path)
            sigmas += edge_sigmas(hu, spacing[0])
            noises.append(fat_noise(hu))
        real_sigma[name], real_noise[name] = float(np.median(sigmas)), float(np.median(noises))
    # B is a GE LightSpeed STANDARD reconstruction, as the real GE series is
    b = make_slice(0, "B")
    assert np.median(edge_sigmas(b.hu, b.spacing_mm[0])) == pytest.approx(real_sigma["ge"], rel=0.15)
    for key in DEVICES:  # no profile much softer than a real scanner, and none quieter than the quietest
        image = make_slice(0, key)
        assert np.median(edge_sigmas(image.hu, image.spacing_mm[0])) < 1.4 * max(real_sigma.values()), key
        assert fat_noise(image.hu) > 0.6 * min(real_noise.values()), key
