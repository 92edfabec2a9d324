"""The base model the product ships: the file the recipe JSON describes, with the label set the app uses."""

import json

import numpy as np

from segmentation import LABEL_NAMES
from segmentation.base import NAME, WEIGHTS_DIR, sha256
from segmentation.checkpoint import load_checkpoint
from segmentation.infer import Predictor
from segmentation.torso import make_torso

RECORD = json.loads((WEIGHTS_DIR / f"{NAME}.json").read_text())
WEIGHTS = WEIGHTS_DIR / RECORD["weights"]


def test_the_shipped_weights_are_the_ones_its_record_names():
    assert sha256(WEIGHTS) == RECORD["sha256"]
    assert WEIGHTS.stat().st_size == RECORD["bytes"] < 8_000_000  # a few MB, fit for the repository


def test_the_record_holds_the_recipe_seed_history_and_selected_epoch():
    assert RECORD["seed"] == RECORD["recipe"]["seed"]
    assert RECORD["recipe"]["train"]["learning_rate"] > 0
    epochs = [row["epoch"] for row in RECORD["history"]]
    assert epochs == list(range(1, len(epochs) + 1))
    assert RECORD["best_epoch"] in RECORD["history"]
    assert RECORD["best_epoch"]["val_dice"] == max(row["val_dice"] for row in RECORD["history"])


def test_the_shipped_base_loads_with_the_apps_label_set_and_finds_muscle_and_liver():
    checkpoint = load_checkpoint(WEIGHTS, label_names=LABEL_NAMES)
    assert checkpoint.spec.label_names == LABEL_NAMES
    image = make_torso(999_001, "T12")  # a seed outside the recipe's training and validation seeds
    mask = Predictor(WEIGHTS, device="cpu", threads=1).predict(image.hu, image.spacing_mm).mask
    for label in (1, 2):
        truth, predicted = image.labels == label, mask == label
        assert 2 * (truth & predicted).sum() / (truth.sum() + predicted.sum()) > 0.6, label
    assert np.isin(mask, (0, 1, 2)).all()
