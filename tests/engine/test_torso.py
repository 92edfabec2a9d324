"""The randomised trunk generator that trains the base: anatomy follows the level, labels stay honest."""

import numpy as np
import pytest

from segmentation.devices import DEVICES
from segmentation.torso import LEVELS, LIVER, MUSCLE, make_torso

PROFILE = DEVICES["A"].with_matrix(256)


def _area_cm2(image, label) -> float:
    return float((image.labels == label).sum() * image.spacing_mm[0] * image.spacing_mm[1] / 100)


def test_the_same_seed_draws_the_same_image_and_another_seed_another():
    first, again, other = make_torso(3, "L1", PROFILE), make_torso(3, "L1", PROFILE), make_torso(4, "L1", PROFILE)
    assert np.array_equal(first.hu, again.hu) and np.array_equal(first.labels, again.labels)
    assert not np.array_equal(first.labels, other.labels)


def test_the_liver_fills_the_upper_abdomen_and_is_gone_by_the_lowest_lumbar_level():
    upper = [_area_cm2(make_torso(seed, "T12", PROFILE), LIVER) for seed in range(6)]
    lowest = [_area_cm2(make_torso(seed, "L5", PROFILE), LIVER) for seed in range(6)]
    assert min(upper) > 50 and np.median(upper) > 100
    assert np.median(lowest) < np.median(upper) / 4


def test_trunk_muscle_is_adult_sized_at_l3_and_larger_than_at_t11():
    l3 = [_area_cm2(make_torso(seed, "L3", PROFILE), MUSCLE) for seed in range(8)]
    t11 = [_area_cm2(make_torso(seed, "T11", PROFILE), MUSCLE) for seed in range(8)]
    assert 70 < np.median(l3) < 260  # adult L3 skeletal muscle area, cm2
    assert np.median(l3) > np.median(t11)


def test_muscle_labels_lie_on_soft_tissue_and_liver_labels_on_liver_tissue():
    for seed in range(4):
        image = make_torso(seed, "T12", PROFILE)
        muscle_hu = image.hu[image.labels == MUSCLE]
        assert -60 < np.median(muscle_hu) < 110
        assert np.median(image.hu[image.labels == LIVER]) > -20


@pytest.mark.parametrize("level", sorted(LEVELS))
def test_every_level_has_a_body_a_spine_and_muscle(level):
    image = make_torso(11, level, PROFILE)
    assert (image.hu > 300).sum() > 50  # bone
    assert (image.labels == MUSCLE).sum() > 200


def _ring_around(mask: np.ndarray, width: int = 2) -> np.ndarray:
    from scipy import ndimage

    return ndimage.binary_dilation(mask, iterations=width) & ~mask


def test_the_liver_dome_is_wrapped_by_a_muscle_dense_diaphragm_labelled_background_not_trunk_muscle():
    """Inside the rib cage lie diaphragm, liver and spleen: the base must learn that muscle-like tissue
    there is not trunk muscle (real CT painted liver and spleen as muscle when the generator put a
    'latissimus' inside the ribs)."""
    touching, diaphragm_hu = [], []
    for seed in range(8):
        image = make_torso(seed, "T10", PROFILE)
        ring = _ring_around(image.labels == LIVER)
        touching.append((image.labels[ring] == MUSCLE).mean())
        soft = ring & (image.labels == 0) & (image.hu > -30) & (image.hu < 250)
        diaphragm_hu.append(soft.sum() / ring.sum())
    assert np.median(touching) < 0.03
    assert np.median(diaphragm_hu) > 0.3  # most of the dome's border is soft tissue of muscle density
