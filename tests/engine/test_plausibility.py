"""Plausibility checks on hand-made slices: a body of soft tissue in air, a ring of muscle inside it."""

import numpy as np
import pytest

from segmentation.composition import measure
from segmentation.plausibility import plausibility

SPACING = (1.0, 1.0)  # 1 mm pixels: 100 pixels are 1 cm2


def body_with_muscle(muscle_hu: float = 45.0, size: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """An ellipse of fat (-100 HU) in air, with a 150 cm2 band of muscle along its back, all in the field."""
    yy, xx = np.mgrid[:size, :size]
    hu = np.full((size, size), -1000.0)
    body = ((yy - size / 2) / 140) ** 2 + ((xx - size / 2) / 180) ** 2 < 1
    hu[body] = -100
    mask = np.zeros((size, size), np.uint8)
    mask[250:300, 50:350] = 1  # 50 x 300 pixels = 150 cm2
    hu[mask == 1] = muscle_hu
    return hu, mask


def check(hu, mask, **body):
    result = plausibility(hu, mask, measure(hu, mask, SPACING, **body))
    return result, {c.name: c for c in result.checks}


def test_a_normal_slice_passes_every_check_with_its_source():
    result, checks = check(*body_with_muscle(), height_m=1.7, sex="M")
    assert result.plausible and result.failed == []
    assert set(checks) == {
        "mask_size",
        "sma_cm2",
        "smi_cm2_m2",
        "mean_muscle_hu",
        "muscle_in_air",
        "muscle_in_bone",
        "body_in_field_of_view",
    }
    assert "van der Werf 2018" in checks["sma_cm2"].source and "Goodpaster 2000" in checks["mean_muscle_hu"].source
    assert result.as_dict()["note"].startswith("wide physiological plausibility bounds")


def test_an_empty_mask_is_implausible_and_skips_the_ranges():
    hu, mask = body_with_muscle()
    result, checks = check(hu, np.zeros_like(mask), height_m=1.7, sex="F")
    assert not result.plausible and result.failed == ["mask_size"]
    assert checks["mask_size"].message == "the muscle mask is empty"


def test_a_fragment_of_a_mask_is_implausible():
    hu, mask = body_with_muscle()
    fragment = np.zeros_like(mask)
    fragment[250:270, 50:90] = 1  # 8 cm2
    result, checks = check(hu, fragment)
    assert result.failed == ["mask_size"] and "8.0 cm2" in checks["mask_size"].message


def test_sma_outside_the_range_for_the_sex_fails():
    hu, mask = body_with_muscle()
    mask[300:340, 50:350], hu[300:340, 50:350] = 1, 45  # 270 cm2 in all: plausible for a man, not a woman
    assert check(hu, mask, sex="M")[0].plausible
    assert check(hu, mask, sex="F")[0].failed == ["sma_cm2"]


def test_smi_is_checked_only_when_the_height_is_known():
    hu, mask = body_with_muscle()
    _, unknown = check(hu, mask)
    assert unknown["smi_cm2_m2"].passed is None
    result, known = check(hu, mask, height_m=1.0, sex="F")  # 150 cm2 / 1 m2: above any woman's SMI
    assert known["smi_cm2_m2"].passed is False and "smi_cm2_m2" in result.failed


def test_mean_muscle_hu_outside_the_range_fails():
    result, checks = check(*body_with_muscle(muscle_hu=120.0))
    assert result.failed == ["mean_muscle_hu"] and checks["mean_muscle_hu"].value == pytest.approx(120.0)


def test_a_mask_over_air_or_bone_fails():
    hu, mask = body_with_muscle()
    hu[250:260, 50:350] = -900  # a fifth of the mask over gas
    assert check(hu, mask)[0].failed == ["muscle_in_air"]
    hu, mask = body_with_muscle()
    hu[250:260, 50:350] = 700  # a fifth of the mask over bone
    assert check(hu, mask)[0].failed == ["muscle_in_bone"]


def test_a_few_outline_pixels_in_bone_are_tolerated():
    hu, mask = body_with_muscle()
    hu[250, 50:350] = 400  # one row of 50: 2 %
    assert check(hu, mask)[0].plausible


def test_a_body_cut_by_the_field_of_view_fails():
    hu, mask = body_with_muscle()
    cropped_hu, cropped_mask = hu[:, 60:340], mask[:, 60:340]  # both flanks cut off
    result, checks = check(cropped_hu, cropped_mask)
    assert result.failed == ["body_in_field_of_view"]
    assert checks["body_in_field_of_view"].value > 100


def test_a_couch_touching_the_border_for_a_few_millimetres_is_tolerated():
    hu, mask = body_with_muscle()
    hu[340:345, :] = 200  # a thin couch across the whole image, apart from the body
    hu[330:345, 195:205] = 200  # touching the body
    assert check(hu, mask)[0].plausible
