import numpy as np
import pytest

from segmentation.composition import MARTIN_2013, PRADO_2008, measure, sarcopenia_flags


def _square(hu_value: float, side: int = 20, spacing: float = 0.5):
    hu = np.full((64, 64), -1000, dtype=np.int16)
    mask = np.zeros((64, 64), dtype=np.uint8)
    hu[10 : 10 + side, 10 : 10 + side] = hu_value
    mask[10 : 10 + side, 10 : 10 + side] = 1
    return hu, mask, (spacing, spacing)


def test_sma_counts_only_muscle_hu_and_scales_with_pixel_spacing():
    hu, mask, _ = _square(40)
    hu[10:15, 10:30] = -100  # 100 IMAT pixels inside the mask
    hu[15:17, 10:30] = 300  # 40 pixels too dense for muscle
    at_half_mm = measure(hu, mask, (0.5, 0.5))
    at_one_mm = measure(hu, mask, (1.0, 0.8))
    assert at_half_mm.sma_cm2 == pytest.approx(260 * 0.25 / 100)
    assert at_one_mm.sma_cm2 == pytest.approx(260 * 0.8 / 100)
    assert at_half_mm.imat_cm2 == pytest.approx(100 * 0.25 / 100)
    assert at_half_mm.mean_muscle_hu == pytest.approx(40)


def test_smi_divides_by_height_squared_and_liver_is_measured():
    hu, mask, spacing = _square(40, side=40, spacing=1.0)
    mask[55:60, 55:60], hu[55:60, 55:60] = 2, 60
    result = measure(hu, mask, spacing, height_m=2.0)
    assert result.sma_cm2 == pytest.approx(16.0) and result.smi_cm2_m2 == pytest.approx(4.0)
    assert result.liver_area_cm2 == pytest.approx(0.25) and result.mean_liver_hu == pytest.approx(60)


def _flags_of(flags):
    return {(f.name, f.reference): f for f in flags}


def _flags(result):
    return _flags_of(result.flags)


@pytest.mark.parametrize(
    ("sex", "bmi", "smi", "prado", "martin"),
    [
        ("M", 22.0, 45.0, True, False),  # men BMI < 25: Martin cut-off 43
        ("M", 22.0, 42.9, True, True),
        ("M", 27.0, 52.0, True, True),  # men BMI >= 25: Martin 53, Prado 52.4
        ("M", 27.0, 53.0, False, False),
        ("F", 22.0, 40.0, False, True),  # women: Martin 41 at any BMI, Prado 38.5
        ("F", 31.0, 38.0, True, True),
        ("F", 31.0, 41.0, False, False),
    ],
)
def test_sarcopenia_cut_offs_follow_prado_and_martin(sex, bmi, smi, prado, martin):
    flags = _flags_of(sarcopenia_flags(smi, sex, bmi))
    assert flags[("sarcopenia", PRADO_2008)].flagged is prado
    assert flags[("sarcopenia", MARTIN_2013)].flagged is martin
    assert flags[("sarcopenia", PRADO_2008)].threshold == (52.4 if sex == "M" else 38.5)


def test_men_without_a_bmi_get_prado_only():
    flags = sarcopenia_flags(50.0, "M", None)
    assert [(f.reference, f.flagged) for f in flags] == [(PRADO_2008, True)]


def test_measure_flags_from_height_sex_and_bmi():
    hu, mask, spacing = _square(45, side=40, spacing=1.0)  # SMA 16 cm2
    flags = _flags(measure(hu, mask, spacing, height_m=0.5, sex="F", bmi=22))  # SMI 64
    assert not flags[("sarcopenia", PRADO_2008)].flagged and not flags[("sarcopenia", MARTIN_2013)].flagged


@pytest.mark.parametrize(
    ("bmi", "hu_value", "flagged", "threshold"),
    [(22, 40, True, 41), (22, 41, False, 41), (26, 32, True, 33), (26, 34, False, 33)],
)
def test_myosteatosis_uses_martin_bmi_bands(bmi, hu_value, flagged, threshold):
    hu, mask, spacing = _square(hu_value)
    flag = _flags(measure(hu, mask, spacing, bmi=bmi))[("myosteatosis", MARTIN_2013)]
    assert flag.flagged is flagged and flag.threshold == threshold


def test_bmi_comes_from_weight_and_height_and_results_record_their_references():
    hu, mask, spacing = _square(45)
    result = measure(hu, mask, spacing, height_m=1.8, weight_kg=81.0, sex="M").as_dict()
    assert result["bmi"] == pytest.approx(25.0)
    assert result["muscle_hu_range"] == [-29.0, 150.0] and result["imat_hu_range"] == [-190.0, -30.0]
    assert PRADO_2008 in result["references"] and MARTIN_2013 in result["references"]
    assert {f["rule"] for f in result["flags"]} >= {"men, BMI >= 25", "BMI >= 25"}


def test_no_flags_without_height_or_sex():
    hu, mask, spacing = _square(45)
    assert measure(hu, mask, spacing).flags == ()


def test_it_rejects_mismatched_shapes_and_implausible_heights():
    hu, mask, spacing = _square(45)
    with pytest.raises(ValueError, match="same 2D shape"):
        measure(hu, mask[:10], spacing)
    with pytest.raises(ValueError, match="metres"):
        measure(hu, mask, spacing, height_m=175)
