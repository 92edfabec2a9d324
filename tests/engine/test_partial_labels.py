"""A mask drawn for muscle only does not teach the model that the liver is background."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from segmentation.cohort import Sample, phantom_samples
from segmentation.infer import Predictor
from segmentation.train import PartialDiceCELoss, train

MUSCLE_ONLY = ("muscle",)


@pytest.fixture(scope="module")
def liver_level():
    return phantom_samples("A", range(8), level="liver", matrix=96)


@pytest.fixture(scope="module")
def parent(tmp_path_factory, liver_level, request):
    from tests.engine.conftest import tiny_config

    path = tmp_path_factory.mktemp("partial") / "parent.pt"
    train(liver_level[:6], path, tiny_config(epochs=6, steps_per_epoch=10, learning_rate=5e-3))
    return path


def _liver_pixels(checkpoint, samples) -> int:
    predictor = Predictor(checkpoint, device="cpu")
    return sum(int((predictor.predict(s.hu, s.spacing_mm).mask == 2).sum()) for s in samples)


def _muscle_only(samples, annotated):
    return [
        replace(s, labels=np.where(s.labels == 2, 0, s.labels).astype(np.uint8), annotated=annotated) for s in samples
    ]


def test_fine_tuning_on_muscle_only_masks_keeps_the_liver_when_they_say_so(tmp_path, parent, liver_level):
    from tests.engine.conftest import tiny_config

    config = tiny_config(epochs=4, steps_per_epoch=10, learning_rate=5e-3)
    held_out = liver_level[6:]
    before = _liver_pixels(parent, held_out)
    assert before > 20  # the parent finds the liver
    kept, lost = tmp_path / "partial.pt", tmp_path / "as-background.pt"
    train(_muscle_only(liver_level[:6], MUSCLE_ONLY), kept, config, parent=parent)
    train(_muscle_only(liver_level[:6], None), lost, config, parent=parent)
    assert _liver_pixels(kept, held_out) > 0.5 * before
    assert _liver_pixels(lost, held_out) < 0.2 * before


def test_the_partial_loss_is_dice_ce_when_every_label_is_covered_and_differs_when_one_is_not():
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 8, 8)
    targets = torch.softmax(torch.randn(2, 3, 8, 8) * 3, 1)
    loss = PartialDiceCELoss()
    covered = loss(logits, targets, torch.ones(2, 3, dtype=torch.bool))
    assert torch.isclose(covered, loss.full(logits, targets))
    partial = loss(logits, targets, torch.tensor([[True, True, True], [True, True, False]]))
    assert torch.isfinite(partial) and not torch.isclose(partial, covered)


def test_an_annotated_label_outside_the_label_set_is_refused(tmp_path, liver_level):
    from tests.engine.conftest import tiny_config

    bad = [Sample(s.hu, s.labels, s.spacing_mm, annotated=("muscle", "spleen")) for s in liver_level[:2]]
    with pytest.raises(ValueError, match="spleen"):
        train(bad, tmp_path / "x.pt", tiny_config(epochs=1))
