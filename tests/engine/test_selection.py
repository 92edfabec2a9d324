"""Model selection is muscle first and ignores labels an image does not hold."""

import torch

from segmentation import LABEL_NAMES
from segmentation.train import dice_per_label, selection_score


def _maps(*rows):
    return torch.tensor(rows, dtype=torch.int64)


def test_a_stray_liver_pixel_below_the_liver_does_not_sink_the_score():
    target = _maps([[1, 1, 0, 0]], [[1, 1, 0, 0]])[:, None, :].squeeze(1).view(2, 1, 4)
    predicted = _maps([[1, 1, 0, 0]], [[1, 1, 2, 0]]).view(2, 1, 4)
    scores = dice_per_label(predicted, target, 3)
    assert scores == {1: 1.0, 2: None}
    assert selection_score(scores, LABEL_NAMES) == 1.0


def test_muscle_outweighs_the_liver_in_the_selection_score():
    better_muscle = selection_score({1: 0.9, 2: 0.6}, LABEL_NAMES)
    better_liver = selection_score({1: 0.8, 2: 0.95}, LABEL_NAMES)
    assert better_muscle > better_liver
    assert abs(better_muscle - (0.8 * 0.9 + 0.2 * 0.6)) < 1e-9
