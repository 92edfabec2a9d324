import numpy as np
import pytest

from segmentation.volume import make_volume


def test_a_volume_names_every_slice_by_the_vertebra_or_disc_its_ground_truth_places_there():
    v = make_volume(1, "B", matrix=128, thickness_mm=2.0, start="T11", stop="L4")
    assert v.hu.shape[0] == len(v.z_mm) == len(v.slice_levels)
    assert np.all(np.diff(v.z_mm) < 0)  # superior first
    for vertebra in v.vertebrae:
        assert vertebra.superior_mm > vertebra.centre_mm > vertebra.inferior_mm
        assert 22 <= vertebra.superior_mm - vertebra.inferior_mm <= 35 or vertebra.name == "S1"
        k = int(round(vertebra.centre_index))
        if 0 <= k < len(v.z_mm):
            assert v.slice_levels[k] == vertebra.name
            assert abs(v.z_mm[k] - vertebra.centre_mm) <= v.thickness_mm / 2 + 1e-6
    assert v.covers("L3") and not v.covers("L5")


def test_the_column_is_bone_at_a_body_centre_and_softer_in_the_disc_below_it():
    v = make_volume(2, "A", matrix=128, thickness_mm=1.0, start="L2", stop="L4")
    l3 = v.vertebra("L3")
    disc = next(i for i, name in enumerate(v.slice_levels) if name == "L3/L4")
    body_slice, disc_slice = v.hu[int(round(l3.centre_index))], v.hu[disc]
    # the brightest compact structure near the midline is the vertebral body on the body slice only
    assert (body_slice > 300).sum() > (disc_slice > 300).sum()


def test_six_lumbar_vertebrae_can_be_asked_for_and_are_named_from_t12_down():
    v = make_volume(3, "C", matrix=128, thickness_mm=3.0, lumbar_count=6, start="L5", stop="S1")
    assert v.lumbar_count == 6
    assert [x.name for x in v.vertebrae][-3:] == ["L5", "L6", "S1"]


@pytest.mark.parametrize(
    "shape",
    [
        ("ellipse", (12.3, -40.2, 21.7, 15.1)),  # a vertebral body
        ("ellipse", (80.0, 0.0, 30.0, 20.0)),  # cut by the edge of the matrix
        ("segment", (-20.0, 10.0, 95.5, -30.25, 4.5)),  # a rib
        ("segment", (5.0, 5.0, 5.0, 5.0, 3.5)),  # a point
    ],
)
def test_a_shape_painted_within_its_box_covers_the_same_pixels_as_over_the_whole_matrix(shape):
    """The generator paints each bone only within its bounding box, for speed: never a pixel more or less."""
    from segmentation.volume import _ellipse, _segment, fill_ellipse, fill_segment

    kind, args = shape
    coords = (np.arange(128, dtype=np.float32) - 63.5) * 1.4
    x, y = (coords - 3.0)[None, :], (coords + 7.0)[:, None]
    boxed = np.zeros((128, 128), np.float32)
    (fill_ellipse if kind == "ellipse" else fill_segment)(boxed, x, y, 1.0, *args)
    whole = (_ellipse if kind == "ellipse" else _segment)(x, y, *args)
    assert whole.any() and np.array_equal(boxed == 1.0, whole)
