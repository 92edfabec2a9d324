"""Image-quality measures (sharpness, noise) and the phantom's device profiles against real CT."""

import numpy as np
import pytest

from segmentation.calibration import edge_sigmas, fat_noise, measure
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
    series = {"ge": sorted(corpus.GE_LIVER.glob("0*.dcm")), "siemens": sorted(corpus.SIEMENS_SERIES.glob("CT.*"))[:4]}
    real = {name: measure((hu, spacing[0]) for hu, spacing, _ in map(read_hu, paths)) for name, paths in series.items()}
    softest = max(r["edge_sigma_mm_median"] for r in real.values())
    quietest = min(r["fat_noise_hu_median"] for r in real.values())
    for key in DEVICES:
        image = make_slice(0, key)
        phantom = measure([(image.hu, image.spacing_mm[0])])
        if key == "B":  # B is a GE LightSpeed STANDARD reconstruction, as the real GE series is
            assert phantom["edge_sigma_mm_median"] == pytest.approx(real["ge"]["edge_sigma_mm_median"], rel=0.15)
        # no profile much softer than a real scanner, and none quieter than the quietest
        assert phantom["edge_sigma_mm_median"] < 1.4 * softest, key
        assert phantom["fat_noise_hu_median"] > 0.6 * quietest, key
