"""segmentation.orientation: every axial orientation maps to the standard view and back; others are refused."""

import itertools

import numpy as np
import pytest

from segmentation.dicom_io import DicomInputError, read_hu
from segmentation.orientation import OrientationError, Reorientation, reorientation_for
from tests.studies.reoriented import L1_L2, OBLIQUE, SAGITTAL, copy_bytes

ALL = [Reorientation(*flags) for flags in itertools.product((False, True), repeat=3)]


def stored_grid(standard: np.ndarray, iop: tuple) -> np.ndarray:
    """What a scanner writing `iop` stores for an image whose standard view is `standard` (by definition of
    the direction cosines: pixel (row, col) sits at row * column_cosine + col * row_cosine)."""
    row_cosine, col_cosine = np.array(iop[:3]), np.array(iop[3:])
    rows, cols = standard.shape
    out_rows, out_cols = (rows, cols) if abs(row_cosine[0]) > 0.5 else (cols, rows)
    # the first stored pixel sits at the far edge of each axis the scanner runs backwards
    along = row_cosine + col_cosine
    origin = np.array([cols - 1 if along[0] < 0 else 0, rows - 1 if along[1] < 0 else 0])
    out = np.empty((out_rows, out_cols), standard.dtype)
    for r, c in itertools.product(range(out_rows), range(out_cols)):
        x, y = origin + (r * col_cosine + c * row_cosine)[:2]
        out[r, c] = standard[int(y), int(x)]
    return out


@pytest.mark.parametrize(
    "iop",
    [(a, b, 0, c, d, 0) for a, b, c, d in [(1, 0, 0, 1), (1, 0, 0, -1), (-1, 0, 0, 1), (-1, 0, 0, -1),
                                           (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, -1, 0), (0, -1, -1, 0)]],
)  # fmt: skip
def test_each_of_the_eight_axial_orientations_is_put_upright(iop):
    standard = np.arange(12).reshape(3, 4)
    assert np.array_equal(reorientation_for(iop).to_standard(stored_grid(standard, iop)), standard)


@pytest.mark.parametrize("reorientation", ALL, ids=lambda r: r.name)
def test_masks_map_back_to_the_stored_grid_and_names_round_trip(reorientation):
    stored = np.random.default_rng(0).integers(0, 3, (5, 7))
    standard = reorientation.to_standard(stored)
    assert np.array_equal(reorientation.from_standard(standard), stored)
    assert Reorientation.from_name(reorientation.name) == reorientation


def test_a_transpose_swaps_the_row_and_column_spacing():
    spacing = Reorientation(transpose=True).spacing_to_standard((0.7, 0.9))
    assert spacing == (0.9, 0.7)
    assert Reorientation(flip_rows=True, flip_cols=True).spacing_to_standard((0.7, 0.9)) == (0.7, 0.9)


@pytest.mark.parametrize(
    ("iop", "kind"),
    [(SAGITTAL, "not_axial"), ((1, 0, 0, 0, 0, -1), "not_axial"), (OBLIQUE, "oblique"), ((1, 0, 0, 1, 0, 0), "bad")],
)
def test_sagittal_coronal_tilted_and_degenerate_orientations_are_refused(iop, kind):
    with pytest.raises(OrientationError) as refused:
        reorientation_for(iop)
    assert refused.value.kind == kind


def test_the_engine_reader_reorients_the_same_way(tmp_path, ct_dir):
    original, _, _ = read_hu(ct_dir / L1_L2)
    for step in ("flip_rows", "flip_cols", "transpose"):
        path = tmp_path / f"{step}.dcm"
        path.write_bytes(copy_bytes(ct_dir / L1_L2, step))
        assert np.array_equal(read_hu(path)[0], original), step
    path = tmp_path / "sagittal.dcm"
    path.write_bytes(copy_bytes(ct_dir / L1_L2, None, SAGITTAL))
    with pytest.raises(DicomInputError, match="sagittal"):
        read_hu(path)
