"""A site that accepts muscle-only masks fine-tunes a model that still finds the liver: the accepted
revisions' coverage reaches the engine as Sample.annotated, and the loss leaves the liver alone there."""

import numpy as np
import pytest

from annotations.services import annotation_import_accepted
from modelhub.services.samples import accepted_samples
from segmentation.cohort import phantom_samples
from segmentation.infer import Predictor
from segmentation.train import train
from studies.models import Device
from tests.engine.conftest import tiny_config
from tests.modelhub.factories import phantom_cohort

pytestmark = pytest.mark.django_db

MUSCLE, LIVER = 1, 2


def liver_pixels(checkpoint, samples) -> int:
    predictor = Predictor(checkpoint, device="cpu")
    return sum(int((predictor.predict(s.hu, s.spacing_mm).mask == LIVER).sum()) for s in samples)


@pytest.fixture
def muscle_only_site(tmp_path, make_user):
    """Device A's liver-level slices, each accepted with its muscle drawn and its liver left unlabelled."""
    labeller, reviewer = make_user("labeller")[0], make_user("reviewer")[0]
    cohort = phantom_cohort(tmp_path / "ct", devices=("A",), subjects=8, level="liver", user=labeller)
    for sop, image in cohort["images"].items():
        muscle = np.where(cohort["labels"][sop] == MUSCLE, MUSCLE, 0).astype(np.uint8)
        annotation_import_accepted(
            image=image, mask=muscle, labeller=labeller, reviewer=reviewer, labels_covered=["muscle"]
        )
    return Device.objects.get()


def test_training_samples_from_muscle_only_masks_say_they_cover_muscle_only(muscle_only_site):
    samples, revision_ids = accepted_samples(device=muscle_only_site, split="train")
    assert samples and len(revision_ids) == len(samples)
    assert {s.annotated for s in samples} == {("muscle",)}
    assert not any((s.labels == LIVER).any() for s in samples)


def test_fine_tuning_on_accepted_muscle_only_masks_keeps_the_parents_liver(tmp_path, muscle_only_site):
    parent = tmp_path / "parent.pt"
    liver_level = phantom_samples("A", range(100, 106), level="liver", matrix=96)
    train(liver_level[:4], parent, tiny_config(epochs=6, steps_per_epoch=10, learning_rate=5e-3))
    held_out = liver_level[4:]
    before = liver_pixels(parent, held_out)
    assert before > 20  # the parent finds the liver

    samples, _ = accepted_samples(device=muscle_only_site, split="train")
    child = tmp_path / "child.pt"
    train(samples, child, tiny_config(epochs=4, steps_per_epoch=10, learning_rate=5e-3), parent=parent)
    assert liver_pixels(child, held_out) > 0.5 * before
